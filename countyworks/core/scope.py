"""The one rule for access (STYLE.md "Scope"): a user sees a programme's records whose unit lies
in the subtree of a unit where the user holds a role for that programme. Everything else is 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from .models import ACTION_KINDS, SYSTEM_ROLE_KINDS, OrgUnit, RoleKind, path_q


def _roles(user):
    """The user's roles, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_cw_roles", None)
    if cached is None:
        cached = list(user.roles.select_related("unit").all())
        user._cw_roles = cached
    return cached


def system_kinds(user):
    return {r.kind for r in _roles(user) if r.kind in SYSTEM_ROLE_KINDS}


def has_system_role(user, kind):
    return kind in system_kinds(user)


def programme_roles(user, programme=None, action="view"):
    kinds = ACTION_KINDS[action]
    return [
        r
        for r in _roles(user)
        if r.kind not in SYSTEM_ROLE_KINDS and r.kind in kinds and (programme is None or r.programme == programme)
    ]


def has_any_programme_role(user, action="view"):
    return bool(programme_roles(user, None, action))


def scope_paths(user, *, programme, action="view"):
    """Path prefixes of the subtrees the user may act in for `programme` (None = any programme).
    An empty list means nothing. Nested prefixes are collapsed."""
    paths = sorted({r.unit.path for r in programme_roles(user, programme, action)})
    kept = []
    for p in paths:
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept


def scope_q(user, *, programme, unit_field="unit", action="view"):
    """A Q object restricting a queryset to records whose `unit_field` is in scope."""
    paths = scope_paths(user, programme=programme, action=action)
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for p in paths:
        q |= path_q(p)
    return Q(**{f"{unit_field}__in": OrgUnit.objects.filter(q).values("pk")})


def units_in_scope(user, *, programme, action="view"):
    """The org units the user may act on for `programme`, in tree order (form choices, unit
    pickers): the same rule as `visible_to`, as a queryset of units."""
    return OrgUnit.objects.filter(scope_q(user, programme=programme, unit_field="pk", action=action)).order_by("path")


def unit_in_scope(user, unit, *, programme, action="view"):
    return any(unit.path.startswith(p) for p in scope_paths(user, programme=programme, action=action))


def require_unit_in_scope(user, unit, *, programme, action="change"):
    """Services call this inside their transaction: a write outside the actor's scope is refused."""
    if user is None:  # system jobs (imports from the command line run as a named user or as system)
        return
    if not unit_in_scope(user, unit, programme=programme, action=action):
        raise PermissionDenied("无权操作该单位的数据")


def unit_check(user, *, programme, action="change", unit=None):
    """The scope check a service hands to `update_with_audit`: the record's unit (or
    `unit(obj)`) must be in the actor's scope before and after the change."""

    def check(obj):
        require_unit_in_scope(user, unit(obj) if unit is not None else obj.unit, programme=programme, action=action)

    return check


class ScopedQuerySet:
    """Mixin for programme querysets: `Model.objects.visible_to(user)`.

    Subclasses set `scope_programme` and optionally `scope_unit_field` (default "unit").
    """

    scope_programme = None
    scope_unit_field = "unit"

    def visible_to(self, user, action="view"):
        return self.filter(scope_q(user, programme=self.scope_programme, unit_field=self.scope_unit_field, action=action))


ROLE_KIND_LABELS = dict(RoleKind.choices)
