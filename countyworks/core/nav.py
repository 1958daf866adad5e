"""The navigation shows only what the user's roles allow. Programme entries come from the
programme registry (each programme's `nav`); core knows no programme."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_noop

from . import programmes as registry
from .models import Notification, RoleKind
from .scope import has_any_programme_role, has_system_role, programme_roles


def _programme_items(user):
    items = []
    for spec in registry.programmes():
        if not programme_roles(user, spec.code):
            continue
        entries = []
        for item in spec.nav:
            if not programme_roles(user, spec.code, item.action):
                continue
            if item.visible and not item.visible(user):
                continue
            try:
                entries.append((item.key, item.label, reverse(item.url_name)))
            except NoReverseMatch:
                continue
        if len(entries) == 1 or (entries and spec.nav_flat):
            items.extend(entries)
        elif entries:
            items.append((spec.code, spec.nav_label, entries))
    return items


def navigation_for(user, path):
    """Menu entries (some grouped into drop-downs) for what the user's roles allow. The entry
    whose URL is the longest prefix of the current path is marked active."""
    items = [("home", gettext_noop("首页"), reverse("home"))]
    if any(r.kind in (RoleKind.LEADER, RoleKind.MANAGER) for r in programme_roles(user)):
        items.append(("cockpit", gettext_noop("领导驾驶舱"), reverse("cockpit:index")))
    items.extend(_programme_items(user))
    basics = []
    if has_any_programme_role(user) or has_system_role(user, RoleKind.SYSADMIN):
        basics.append(("orgunits", gettext_noop("组织机构"), reverse("core:orgunit_list")))
    if has_any_programme_role(user):
        basics.append(("enterprises", gettext_noop("企业名录"), reverse("core:enterprise_list")))
        basics.append(("people", gettext_noop("领导干部"), reverse("core:person_list")))
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
    # the bell in the navbar (base.html shows this item apart from the menu)
    nav.append({"key": "notifications", "label": gettext_noop("通知"), "url": reverse("core:notifications"),
                "active": path.startswith(reverse("core:notifications")),
                "count": Notification.objects.filter(user=user, read_at__isnull=True).count()})
    return nav
