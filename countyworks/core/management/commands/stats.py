"""`countyworks stats KIND [--unit 单位] [options] --json`: the statistics a programme declares in
the programme registry (`countyworks stats --help` lists them)."""

import json

from django.core.management.base import BaseCommand, CommandError

from countyworks.core import programmes as registry
from countyworks.core.parsing import InvalidValue, parse_date
from countyworks.core.selectors import unit_by_name_or_code

DATE_OPTIONS = ("through", "since", "until", "as_of")


class Command(BaseCommand):
    help = "输出统计数据（JSON）：stats 类型 [--unit 单位] [选项]；类型由各业务登记"

    def add_arguments(self, parser):
        handlers = registry.stats_handlers()
        sub = parser.add_subparsers(dest="kind", metavar="类型", required=True)
        for kind, handler in sorted(handlers.items()):
            p = sub.add_parser(kind, help=handler.help or kind)
            p.add_argument("--unit", help="单位名称或代码；缺省为顶级单位")
            p.add_argument("--json", action="store_true", help="以 JSON 输出（缺省也是 JSON）")
            if handler.arguments:
                handler.arguments(p)

    def handle(self, kind, unit=None, json_out=None, **opts):
        handler = registry.stats_handlers().get(kind)
        if handler is None:
            raise CommandError(f"未知的统计类型“{kind}”")
        options = {k: v for k, v in opts.items() if k not in _BASE_OPTIONS and k != "json"}
        for name in DATE_OPTIONS:
            if options.get(name):
                try:
                    options[name] = parse_date(options[name])
                except InvalidValue as exc:
                    raise CommandError(f"--{name.replace('_', '-')}: {exc}")
        try:
            data = handler.run(unit=unit_by_name_or_code(unit), **options)
        except registry.StatsError as exc:
            raise CommandError(str(exc))
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))


_BASE_OPTIONS = {"verbosity", "settings", "pythonpath", "traceback", "no_color", "force_color", "skip_checks"}
