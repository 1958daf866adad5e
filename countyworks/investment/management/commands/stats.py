"""`countyworks stats investment --year 2023 [--unit 名称或代码] [--through 2023-06-30] --json`"""

import json

from django.core.management.base import BaseCommand, CommandError

from countyworks.core.models import OrgUnit
from countyworks.core.parsing import InvalidValue, parse_date


class Command(BaseCommand):
    help = "输出统计数据（JSON）：stats investment --year 2023 [--unit 单位] [--through 日期] --json"

    def add_arguments(self, parser):
        parser.add_argument("programme", choices=["investment", "field-offices"])
        parser.add_argument("--year", type=int, required=False)
        parser.add_argument("--unit", help="单位名称或代码；缺省为顶级单位")
        parser.add_argument("--through", help="统计截止日期（缺省：当年为今天，往年为12月31日）")
        parser.add_argument("--since", help="field-offices：起始日期，缺省 2023-01-01")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出（缺省也是 JSON）")

    def handle(self, programme, year=None, unit=None, through=None, since=None, **opts):
        from countyworks.investment.selectors import field_office_stats, investment_stats

        top = _unit(unit)
        if programme == "field-offices":
            data = field_office_stats(since=_date(since or "2023-01-01", "--since"),
                                      until=_date(through, "--through") if through else None, unit=top)
        else:
            if not year:
                raise CommandError("请用 --year 指定年度")
            end = _date(through, "--through") if through else None
            if end and end.year != year:
                raise CommandError(f"--through {through} 不在 {year} 年内")
            data = investment_stats(year=year, unit=top, through=end)
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))


def _date(text, option):
    try:
        return parse_date(text)
    except InvalidValue as exc:
        raise CommandError(f"{option}: {exc}")


def _unit(text):
    if not text:
        unit = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
        if unit is None:
            raise CommandError("尚无组织单位，请先导入组织机构或运行 countyworks load-demo")
        return unit
    matches = list(OrgUnit.objects.filter(code=text)) or list(OrgUnit.objects.filter(name=text))
    if not matches:
        raise CommandError(f"找不到单位“{text}”")
    if len(matches) > 1:
        raise CommandError(f"单位名称“{text}”不唯一，请使用单位代码")
    return matches[0]
