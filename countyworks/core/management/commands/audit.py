"""`countyworks audit verify` checks the hash chain; `countyworks audit prune` applies retention."""

import sys

from django.core.management.base import BaseCommand

from countyworks.core.audit import audit_prune, audit_verify


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链；prune 清理超过保留期（至少184天）的日志"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "prune"])
        parser.add_argument("--days", type=int, default=None, help="保留天数（不少于184）")

    def handle(self, action, days=None, **opts):
        if action == "verify":
            result = audit_verify()
            if result.ok:
                self.stdout.write(self.style.SUCCESS(f"审计日志链完整：已校验{result.checked}条"))
                return
            for p in result.problems:
                self.stderr.write(p)
            self.stderr.write(f"审计日志链被破坏：发现{len(result.problems)}处问题")
            sys.exit(1)
        n = audit_prune(days=days)
        self.stdout.write(self.style.SUCCESS(f"已清理{n}条过期审计日志"))
