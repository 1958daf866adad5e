"""`countyworks remind` — run from cron / a systemd timer (e.g. Friday 17:30 and Monday 9:00)."""

from django.core.management.base import BaseCommand

from countyworks.core.parsing import InvalidValue, parse_date


class Command(BaseCommand):
    help = "周调度提醒：只提醒未报送或被退回的单位，每个单位每周每种情况只提醒一次"

    def add_arguments(self, parser):
        parser.add_argument("--week", help="某一周的任意日期（缺省：本周和上周）")

    def handle(self, week=None, **opts):
        from countyworks.dispatch.selectors import monday
        from countyworks.dispatch.services import remind

        week_start = None
        if week:
            try:
                week_start = monday(parse_date(week))
            except InvalidValue as exc:
                self.stderr.write(str(exc))
                raise SystemExit(2)
        sent = remind(week_start=week_start)
        for line in sent:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"共发送{len(sent)}条提醒"))
