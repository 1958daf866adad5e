"""What the investment programme contributes to the platform (core.programmes)."""

from countyworks.core.programmes import FigureModel, NavItem, ProgrammeSpec, Section, StatsHandler, register


def _num(v):
    f = float(v)
    return f"{int(f):,}" if f == int(f) else f"{f:,.2f}".rstrip("0").rstrip(".")


def _section(b):
    from .bulletin import investment_section

    investment_section(b)


def _stats_arguments(parser):
    parser.add_argument("--year", type=int, help="统计年度（必填）")
    parser.add_argument("--through", help="统计截止日期（缺省：当年为今天，往年为12月31日）")


def _stats(*, unit, year=None, through=None, **_):
    from countyworks.core.programmes import StatsError

    from .selectors import investment_stats

    if not year:
        raise StatsError("请用 --year 指定年度")
    if through and through.year != year:
        raise StatsError(f"--through {through.isoformat()} 不在 {year} 年内")
    return investment_stats(year=year, unit=unit, through=through)


def _field_office_arguments(parser):
    parser.add_argument("--since", help="起始日期，缺省为当年1月1日")
    parser.add_argument("--through", help="截止日期，缺省为今天")


def _field_offices(*, unit, since=None, through=None, **_):
    from datetime import date

    from countyworks.core import clock

    from .selectors import field_office_stats

    return field_office_stats(since=since or date(clock.today().year, 1, 1), until=through, unit=unit)


def _cockpit(**kwargs):
    from .cockpit import cockpit_contribution

    return cockpit_contribution(**kwargs)


def _api(router):
    from .api import LeadViewSet, ProjectViewSet

    router.register("investment/leads", LeadViewSet, basename="lead")
    router.register("investment/projects", ProjectViewSet, basename="project")


PROGRAMME = register(ProgrammeSpec(
    code="investment",
    label="招商引资",
    office="投资促进中心",
    bulletin_title="招商引资工作",
    order=10,
    urls="countyworks.investment.urls",
    nav=[
        NavItem("inv_leads", "招商线索", "investment:lead_list"),
        NavItem("inv_pipeline", "线索看板", "investment:pipeline"),
        NavItem("inv_activities", "招商活动", "investment:activity_list"),
        NavItem("inv_meetings", "准入评审", "investment:meeting_list"),
        NavItem("inv_projects", "签约项目", "investment:project_list"),
        NavItem("inv_requests", "服务诉求", "investment:service_list"),
        NavItem("inv_stats", "招商统计", "investment:stats"),
        NavItem("inv_settings", "评价标准与产业目录", "investment:settings", action="manage"),
    ],
    sections=[Section("investment", "招商引资", _section, order=10)],
    figure_models={
        "investment.project": FigureModel(
            columns=("项目名称", "责任单位", "签约日期", "计划总投资(万元)"),
            related=("unit",),
            cells=lambda p, fig: [p.name, p.unit.name, p.signed_date.isoformat(), _num(p.planned_investment)],
        ),
    },
    importers=("projects", "targets"),
    stats={
        "investment": StatsHandler(run=_stats, arguments=_stats_arguments,
                                   help="年度招商引资统计：stats investment --year 2023 [--through 日期]"),
        "field-offices": StatsHandler(run=_field_offices, arguments=_field_office_arguments,
                                      help="驻点招商办事处活动统计：stats field-offices [--since 日期]"),
    },
    cockpit=_cockpit,
    api=_api,
    reporting_programmes=("investment",),
))
