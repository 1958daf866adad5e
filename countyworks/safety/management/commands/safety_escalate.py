"""`countyworks safety_escalate [--dry-run]`: escalate every major hazard past its deadline to
挂牌督办 (run daily; the platform's today decides what is overdue)."""

from django.core.management.base import BaseCommand

from countyworks.core import clock
from countyworks.safety.services import escalate_overdue_major, supervising_unit_for


class Command(BaseCommand):
    help = "将逾期未整改的重大隐患挂牌督办"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出，不挂牌")

    def handle(self, dry_run=False, **opts):
        due = escalate_overdue_major(dry_run=dry_run)
        verb = "将挂牌督办" if dry_run else "已挂牌督办"
        for h in due:
            self.stdout.write(f"{h.code} {h.object.name}（整改期限{h.deadline:%Y-%m-%d}）→ {supervising_unit_for(h).name}")
        self.stdout.write(self.style.SUCCESS(f"{clock.today():%Y-%m-%d}：{verb}{len(due)}处重大隐患"))
