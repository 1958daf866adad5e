"""The navigation shows only what the user's roles allow."""

from django.urls import reverse

from .models import Programme, RoleKind
from .scope import has_any_programme_role, has_system_role, programme_roles


def navigation_for(user, path):
    """Menu entries (some grouped into drop-downs) for what the user's roles allow. The entry
    whose URL is the longest prefix of the current path is marked active."""
    from django.utils.translation import gettext_noop

    items = [("home", gettext_noop("首页"), reverse("home"))]
    if any(r.kind in (RoleKind.LEADER, RoleKind.MANAGER) for r in programme_roles(user)):
        items.append(("cockpit", gettext_noop("领导驾驶舱"), reverse("cockpit:index")))
    if programme_roles(user, Programme.INVESTMENT):
        items.append(("investment", gettext_noop("招商引资"), [
            ("inv_leads", gettext_noop("招商线索"), reverse("investment:lead_list")),
            ("inv_pipeline", gettext_noop("线索看板"), reverse("investment:pipeline")),
            ("inv_activities", gettext_noop("招商活动"), reverse("investment:activity_list")),
            ("inv_meetings", gettext_noop("准入评审"), reverse("investment:meeting_list")),
            ("inv_projects", gettext_noop("签约项目"), reverse("investment:project_list")),
            ("inv_requests", gettext_noop("服务诉求"), reverse("investment:service_list")),
            ("inv_stats", gettext_noop("招商统计"), reverse("investment:stats")),
        ] + ([("inv_settings", gettext_noop("评价标准与产业目录"), reverse("investment:settings"))]
             if programme_roles(user, Programme.INVESTMENT, "manage") else [])))
    if programme_roles(user, Programme.DISPATCH):
        items.append(("dispatch", gettext_noop("周调度"), reverse("dispatch:home")))
        items.append(("bulletins", gettext_noop("月通报"), reverse("dispatch:bulletin_list")))
    basics = []
    if has_any_programme_role(user) or has_system_role(user, RoleKind.SYSADMIN):
        basics.append(("orgunits", gettext_noop("组织机构"), reverse("core:orgunit_list")))
    if has_any_programme_role(user):
        basics.append(("enterprises", gettext_noop("企业名录"), reverse("core:enterprise_list")))
        basics.append(("targets", gettext_noop("年度目标"), reverse("core:target_list")))
    if has_system_role(user, RoleKind.SYSADMIN):
        basics.append(("users", gettext_noop("用户与角色"), reverse("core:user_list")))
    if basics:
        items.append(("basics", gettext_noop("基础数据"), basics))
    if has_system_role(user, RoleKind.SECADMIN):
        items.append(("security", gettext_noop("安全管理"), reverse("core:security")))
    if has_system_role(user, RoleKind.AUDITOR):
        items.append(("audit", gettext_noop("审计日志"), reverse("core:audit_list")))

    flat = [(k, url) for k, _, target in items for k, url in
            ([(k, target)] if isinstance(target, str) else [(c[0], c[2]) for c in target])]
    best = max((url for _, url in flat if (url != "/" and path.startswith(url)) or path == url), key=len, default=None)

    def entry(key, label, target):
        if isinstance(target, str):
            return {"key": key, "label": label, "url": target, "active": target == best}
        children = [entry(*c) for c in target]
        return {"key": key, "label": label, "children": children, "active": any(c["active"] for c in children),
                "url": children[0]["url"]}

    nav = [entry(*item) for item in items]
    from countyworks.dispatch.models import Notification

    # the bell in the navbar (base.html shows this item apart from the menu)
    nav.append({"key": "notifications", "label": gettext_noop("通知"), "url": reverse("dispatch:notifications"),
                "active": path.startswith(reverse("dispatch:notifications")),
                "count": Notification.objects.filter(user=user, read_at__isnull=True).count()})
    return nav
