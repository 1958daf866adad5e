"""`countyworks import KIND FILE` — the same import path as the web page.

Exits non-zero and writes nothing when any row is rejected; prints each problem as
`第N行 列名: 消息` (N = the row number Excel shows)."""

import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from countyworks.core.importing import REGISTRY, run_import
from countyworks.core.models import User


class Command(BaseCommand):
    help = "从 Excel/CSV 导入登记数据（全部成功或全部不写入）"

    def add_arguments(self, parser):
        parser.add_argument("kind", help="导入类型：" + "、".join(sorted(REGISTRY)))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--user", help="以该用户身份导入（记入审计日志并检查其权限）；缺省为系统")

    def handle(self, kind, file, dry_run=False, user=None, **opts):
        if kind not in REGISTRY:
            raise CommandError(f"未知的导入类型“{kind}”，可用：{'、'.join(sorted(REGISTRY))}")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        actor = None
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"找不到用户“{user}”")
        try:
            with path.open("rb") as fh:
                report = run_import(kind, fh, path.name, actor=actor, commit=not dry_run)
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "无权导入")
        for name_reason in report.skipped:
            self.stdout.write(f"第{name_reason[0]}行：{name_reason[1]}")
        if not report.ok:
            for p in report.problems:
                self.stderr.write(str(p))
            self.stderr.write(report.summary())
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(report.summary()))
