"""What the households programme (防止返贫监测) contributes to the platform (core.programmes)."""

from countyworks.core.programmes import FigureModel, NavItem, ProgrammeSpec, Section, StatsHandler, register


def _section(b):
    from .bulletin import households_section

    households_section(b)


def _stats_arguments(parser):
    parser.add_argument("--year", type=int, help="收入统计年度（缺省：上一年）")


def _stats(*, unit, year=None, **_):
    from countyworks.core.programmes import StatsError

    from .selectors import household_stats, public_stats

    if year is not None and not 2000 <= year <= 2100:
        raise StatsError(f"--year {year} 不是有效的年度")
    return public_stats(household_stats(unit=unit, year=year))


def _cockpit(**kwargs):
    from .cockpit import cockpit_contribution

    return cockpit_contribution(**kwargs)


def _api(router):
    from .api import HouseholdViewSet

    router.register("households/households", HouseholdViewSet, basename="household")


def _household_cells(h, fig):
    # the figure → records page shows every reader of the bulletin the records behind a figure,
    # whatever their scope (the cells get no user): a household's code and status only — no name,
    # no village, no category; the code links to the household for those whose scope covers it
    return [h.code, h.get_status_display()]


PROGRAMME = register(ProgrammeSpec(
    code="households",
    label="防止返贫监测",
    office="乡村振兴局",
    bulletin_title="防止返贫监测帮扶工作",
    order=30,
    urls="countyworks.households.urls",
    nav=[
        NavItem("hh_list", "监测户", "households:household_list"),
        NavItem("hh_identification", "识别程序", "households:identification_list"),
        NavItem("hh_elimination", "风险消除", "households:elimination_list"),
        NavItem("hh_stats", "监测统计", "households:stats"),
        NavItem("hh_lines", "年度监测线", "households:lines"),
    ],
    sections=[Section("households", "防止返贫监测帮扶", _section, order=30)],
    figure_models={
        "households.household": FigureModel(
            columns=("户编号", "监测状态"), cells=_household_cells,
            url=lambda h: h.get_absolute_url(),
        ),
    },
    importers=("households",),
    audit_labels={
        "households.household": "监测户", "households.member": "家庭成员", "households.incomerecord": "年度收入",
        "households.riskfactor": "风险因素", "households.identification": "识别程序",
        "households.elimination": "风险消除", "households.measure": "帮扶措施", "households.visit": "走访记录",
        "households.monitoringline": "年度监测线", "export.households.household": "监测户导出",
    },
    stats={
        "households": StatsHandler(run=_stats, arguments=_stats_arguments,
                                   help="防止返贫监测统计（仅数量与平均数）：stats households [--unit U] [--year Y]"),
    },
    cockpit=_cockpit,
    api=_api,
))
