"""What the rural programme (百千万工程) contributes to the platform (core.programmes). Installed
after the dispatch app, this declaration replaces dispatch's provisional "rural" registration."""

from countyworks.core.programmes import FigureModel, NavItem, ProgrammeSpec, Section, StatsHandler, register


def _greening(b):
    from .bulletin import greening_section

    greening_section(b)


def _typical(b):
    from .bulletin import typical_section

    typical_section(b)


def _cockpit(**kwargs):
    from .cockpit import cockpit_contribution

    return cockpit_contribution(**kwargs)


def _stats_arguments(parser):
    parser.add_argument("--through", help="统计截止日期（缺省：今天）；计入周日在该日及以前的各周")


def _stats(*, unit, through=None, **_):
    from countyworks.core.programmes import StatsError

    from .selectors import greening_stats

    if unit is None:
        raise StatsError("找不到统计单位")
    return greening_stats(unit=unit, through=through)


def _submission_cells(s, fig):
    from countyworks.dispatch.selectors import week_label

    shown = "，".join(f"{k}={v}" for k, v in s.figures.items())
    return [s.unit.name, week_label(s.week_start), shown, s.get_status_display()]


def _api(router):
    from .api import register_api

    register_api(router)


PROGRAMME = register(ProgrammeSpec(
    code="rural",
    label="百千万工程",
    office="“百千万工程”指挥部办公室",
    bulletin_title="乡村振兴“百千万工程”工作",
    order=20,
    urls="countyworks.rural.urls",
    nav=[
        NavItem("rural_home", "工作概览", "rural:home"),
        NavItem("rural_greening", "乡村绿化进度", "rural:greening"),
        NavItem("rural_typical", "典型村镇", "rural:typical_list"),
        NavItem("rural_plans", "绿化工作计划", "rural:plan_list"),
        NavItem("rural_grids", "网格化管护", "rural:grid_list"),
        NavItem("rural_events", "植树活动", "rural:event_list"),
        NavItem("rural_points", "村民积分", "rural:villager_list"),
    ],
    sections=[
        Section("rural.greening", "乡村绿化工作进展", _greening, order=20),
        Section("rural.typical", "典型村镇培育", _typical, order=30),
    ],
    figure_models={
        "rural.greeningplan": FigureModel(
            columns=("村（社区）", "年度", "计划植树(株)", "状态"), related=("unit",),
            cells=lambda p, fig: [p.unit.name, str(p.year), str(p.trees_planned), p.get_status_display()],
            url=lambda p: p.get_absolute_url(),
        ),
        "rural.maintenancegrid": FigureModel(
            columns=("村（社区）", "网格", "党员责任岗", "管护树木(株)"), related=("unit",),
            cells=lambda g, fig: [g.unit.name, g.name, g.party_member, str(g.trees_in_care)],
            url=lambda g: g.get_absolute_url(),
        ),
        "rural.campaignevent": FigureModel(
            columns=("日期", "活动", "地点", "志愿者(人)"), related=("unit",),
            cells=lambda e, fig: [e.date.isoformat(), e.title, f"{e.unit.name}{e.place}", str(e.volunteers)],
            url=lambda e: e.get_absolute_url(),
        ),
        "rural.designation": FigureModel(
            columns=("村（镇）", "级别批次", "认定年度"), related=("unit", "level"),
            cells=lambda d, fig: [d.unit.name, d.level.name, str(d.year)],
            url=lambda d: d.get_absolute_url(),
        ),
        "rural.greeningsubmission": FigureModel(
            columns=("填报单位", "周次", "报送数据", "状态"), related=("unit",), cells=_submission_cells,
        ),
    },
    importers=("greening-reports", "typical-villages", "greening-plans", "points"),
    audit_labels={
        "rural.designation": "典型村镇", "rural.cultivationtask": "培育任务", "rural.greeningplan": "绿化工作计划",
        "rural.maintenancegrid": "管护网格", "rural.upkeepcheck": "管护巡查", "rural.campaignevent": "植树活动",
        "rural.villager": "积分村民", "rural.pointrule": "积分规则", "rural.pointentry": "积分台账",
    },
    stats={
        "greening": StatsHandler(run=_stats, arguments=_stats_arguments,
                                 help="乡村绿化统计：stats greening [--unit 单位] [--through 日期] --json"),
    },
    cockpit=_cockpit,
    api=_api,
    reporting_programmes=("rural", "dispatch"),
))
