"""What the safety programme contributes to the platform (core.programmes)."""

from countyworks.core.programmes import FigureModel, NavItem, ProgrammeSpec, Section, StatsHandler, register


def _can_inspect(user):
    from .selectors import teams_for

    return teams_for(user).exists()


def _section(b):
    from .bulletin import safety_section

    safety_section(b)


def _cockpit(**kwargs):
    from .cockpit import cockpit_contribution

    return cockpit_contribution(**kwargs)


def _stats_arguments(parser):
    parser.add_argument("--campaign", help="检查行动名称或编号（缺省：全部，含日常检查）")
    parser.add_argument("--through", help="统计截止日期（缺省：今天）")
    parser.add_argument("--since", help="只统计此日起发现的隐患和检查（可选）")


def _stats(*, unit, campaign=None, through=None, since=None, **_):
    from countyworks.core.programmes import StatsError

    from .models import Campaign
    from .selectors import safety_stats

    c = None
    if campaign:
        text = str(campaign).strip()
        c = Campaign.objects.filter(name=text).first() or (
            Campaign.objects.filter(pk=int(text)).first() if text.isdigit() else None)
        if c is None:
            raise StatsError(f"找不到检查行动“{text}”")
    if since and through and since > through:
        raise StatsError("--since 不能晚于 --through")
    return safety_stats(campaign=c, unit=unit, through=through, since=since)


def _api(router):
    from .api import HazardViewSet, InspectionViewSet

    router.register("safety/hazards", HazardViewSet, basename="safety-hazard")
    router.register("safety/inspections", InspectionViewSet, basename="safety-inspection")


def _hazard_cells(h, fig):
    return [h.code, h.object.name, h.unit.name, h.team.name, h.get_level_display(), h.found_on.isoformat(),
            h.deadline.isoformat(), h.get_status_display()]


PROGRAMME = register(ProgrammeSpec(
    code="safety",
    label="安全生产检查",
    office="安全生产委员会办公室",
    bulletin_title="安全生产检查工作",
    order=40,
    urls="countyworks.safety.urls",
    nav=[
        NavItem("safety_inspect", "现场检查", "safety:inspection_start", action="change", visible=_can_inspect),
        NavItem("safety_hazards", "安全隐患", "safety:hazard_list"),
        NavItem("safety_inspections", "检查记录", "safety:inspection_list"),
        NavItem("safety_objects", "检查对象", "safety:object_list"),
        NavItem("safety_campaigns", "检查行动", "safety:campaign_list"),
        NavItem("safety_categories", "检查表", "safety:category_list"),
        NavItem("safety_stats", "安全统计", "safety:stats"),
    ],
    sections=[Section("safety", "安全生产检查", _section, order=40)],
    cockpit=_cockpit,
    api=_api,
    stats={"safety": StatsHandler(run=_stats, arguments=_stats_arguments,
                                  help="安全生产检查统计：stats safety [--campaign 行动] [--unit 单位] [--through 日期]")},
    importers=("inspected-objects", "hazards"),
    figure_models={
        "safety.hazard": FigureModel(
            columns=("隐患编号", "检查对象", "所属街道/村", "检查组", "等级", "发现日期", "整改期限", "状态"),
            related=("object", "unit", "team"), cells=_hazard_cells, url=lambda h: h.get_absolute_url()),
        "safety.inspection": FigureModel(
            columns=("检查日期", "检查对象", "检查组", "检查行动"),
            related=("object", "team", "campaign"),
            cells=lambda i, fig: [i.date.isoformat(), i.object.name, i.team.name, i.campaign.name],
            url=lambda i: i.get_absolute_url()),
    },
    audit_labels={
        "safety.campaign": "检查行动", "safety.campaignteam": "检查组分工", "safety.inspectedobject": "检查对象",
        "safety.checklist": "检查表", "safety.objectcategory": "检查对象类别", "safety.inspection": "检查记录",
        "safety.hazard": "安全隐患", "safety.hazardextension": "隐患延期申请",
    },
))
