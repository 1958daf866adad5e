"""What the safety programme contributes to the platform (core.programmes)."""

from countyworks.core.programmes import NavItem, ProgrammeSpec, register


def _can_inspect(user):
    from .selectors import teams_for

    return teams_for(user).exists()


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
    audit_labels={
        "safety.campaign": "检查行动", "safety.campaignteam": "检查组分工", "safety.inspectedobject": "检查对象",
        "safety.checklist": "检查表", "safety.objectcategory": "检查对象类别", "safety.inspection": "检查记录",
        "safety.hazard": "安全隐患", "safety.hazardextension": "隐患延期申请",
    },
))
