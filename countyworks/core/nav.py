"""The navigation shows only what the user's roles allow."""

from django.urls import reverse

from .models import RoleKind
from .scope import has_any_programme_role, has_system_role


def navigation_for(user, path):
    items = [("home", "首页", reverse("home"))]
    if has_any_programme_role(user) or has_system_role(user, RoleKind.SYSADMIN):
        items.append(("orgunits", "组织机构", reverse("core:orgunit_list")))
    if has_any_programme_role(user):
        items.append(("enterprises", "企业名录", reverse("core:enterprise_list")))
        items.append(("targets", "年度目标", reverse("core:target_list")))
    if has_system_role(user, RoleKind.SYSADMIN):
        items.append(("users", "用户与角色", reverse("core:user_list")))
    if has_system_role(user, RoleKind.SECADMIN):
        items.append(("security", "安全管理", reverse("core:security")))
    if has_system_role(user, RoleKind.AUDITOR):
        items.append(("audit", "审计日志", reverse("core:audit_list")))
    return [{"key": k, "label": label, "url": url, "active": url != "/" and path.startswith(url) or path == url}
            for k, label, url in items]
