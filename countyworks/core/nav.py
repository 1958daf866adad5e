"""The navigation shows only what the user's roles allow."""

from django.urls import reverse

from .models import Programme, RoleKind
from .scope import has_any_programme_role, has_system_role, programme_roles


def navigation_for(user, path):
    items = [("home", "首页", reverse("home"))]
    if any(r.kind in (RoleKind.LEADER, RoleKind.MANAGER) for r in programme_roles(user)):
        items.append(("cockpit", "领导驾驶舱", reverse("cockpit:index")))
    if has_any_programme_role(user) or has_system_role(user, RoleKind.SYSADMIN):
        items.append(("orgunits", "组织机构", reverse("core:orgunit_list")))
    if has_any_programme_role(user):
        items.append(("enterprises", "企业名录", reverse("core:enterprise_list")))
        items.append(("targets", "年度目标", reverse("core:target_list")))
    if programme_roles(user, Programme.INVESTMENT):  # 招商引资
        items.append(("inv_leads", "招商线索", reverse("investment:lead_list")))
        items.append(("inv_activities", "招商活动", reverse("investment:activity_list")))
        items.append(("inv_meetings", "准入评审", reverse("investment:meeting_list")))
        items.append(("inv_projects", "签约项目", reverse("investment:project_list")))
        items.append(("inv_requests", "服务诉求", reverse("investment:service_list")))
        items.append(("inv_stats", "招商统计", reverse("investment:stats")))
    if programme_roles(user, Programme.DISPATCH):  # 周调度月通报
        items.append(("dispatch", "周调度", reverse("dispatch:home")))
        items.append(("bulletins", "月通报", reverse("dispatch:bulletin_list")))
    if has_system_role(user, RoleKind.SYSADMIN):
        items.append(("users", "用户与角色", reverse("core:user_list")))
    if has_system_role(user, RoleKind.SECADMIN):
        items.append(("security", "安全管理", reverse("core:security")))
    if has_system_role(user, RoleKind.AUDITOR):
        items.append(("audit", "审计日志", reverse("core:audit_list")))
    # the longest matching prefix wins, so /dispatch/bulletins/ lights 月通报 and not also 周调度
    best = max((url for _, _, url in items if url != "/" and path.startswith(url) or path == url), key=len, default=None)
    nav = [{"key": k, "label": label, "url": url, "active": url == best} for k, label, url in items]
    from countyworks.dispatch.models import Notification

    # the bell in the navbar (base.html shows this item apart from the menu)
    nav.append({"key": "notifications", "label": "通知", "url": reverse("dispatch:notifications"),
                "active": path.startswith(reverse("dispatch:notifications")),
                "count": Notification.objects.filter(user=user, read_at__isnull=True).count()})
    return nav
