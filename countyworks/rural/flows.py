"""The status flow of a greening work plan (core.workflow): the village drafts and submits it,
the town (镇/街道 reviewer) approves it or returns it with a reason; a programme manager may
reopen an approved plan for revision, with a reason."""

from countyworks.core.models import Programme, Role, RoleKind
from countyworks.core.workflow import REASON, Flow, Transition

from .models import GreeningPlan

S = GreeningPlan.Status
R = RoleKind


def _map_missing(plan):
    from .selectors import plan_maps

    if not plan_maps(plan):
        return "请先上传绿化示意图（图片或PDF）再提交"
    return None


def _reviewers(plan, actor):
    """The reviewers and managers of the programme over the plan's village (its town upwards)."""
    ancestors = plan.unit.ancestors()
    roles = Role.objects.filter(programme=Programme.RURAL, kind__in=(R.REVIEWER, R.MANAGER),
                                unit__in=[u.pk for u in ancestors]).select_related("user")
    return {r.user for r in roles if r.user.is_active}


def _village(plan, actor):
    roles = Role.objects.filter(programme=Programme.RURAL, kind=R.OPERATOR, unit=plan.unit).select_related("user")
    users = {r.user for r in roles if r.user.is_active}
    if plan.created_by_id:
        users.add(plan.created_by)
    return users


PLAN = Flow(
    name="rural.plan",
    model="rural.GreeningPlan",
    programme=Programme.RURAL,
    states=dict(S.choices),
    transitions=[
        Transition("submit", "提交镇（街）审批", (S.DRAFT, S.RETURNED), S.SUBMITTED,
                   roles=frozenset({R.OPERATOR, R.REVIEWER, R.MANAGER}), condition=_map_missing, notify=_reviewers),
        Transition("approve", "审批通过", (S.SUBMITTED,), S.APPROVED, roles=frozenset({R.REVIEWER, R.MANAGER}),
                   action="review", not_same_as=("submit",), notify=_village, style="success"),
        Transition("return", "退回修改", (S.SUBMITTED,), S.RETURNED, roles=frozenset({R.REVIEWER, R.MANAGER}),
                   action="review", requires=(REASON,), notify=_village, style="danger"),
        Transition("reopen", "撤回审批重新修改", (S.APPROVED,), S.DRAFT, roles=frozenset({R.MANAGER}),
                   action="manage", requires=(REASON,), notify=_village, style="secondary"),
    ],
    describe=str,
    url=lambda plan: plan.get_absolute_url(),
)
