"""The platform's own flow: a 三员 duty is granted by two people (等保 三员分立) — one requests it,
a 安全管理员 who is not that person confirms it; only the confirmation grants the role."""

from .models import RoleKind, RoleRequest
from .workflow import REASON, Flow, Transition

S = RoleRequest.Status
ADMINS = frozenset({RoleKind.SYSADMIN, RoleKind.SECADMIN})

def _grant(request, actor):
    from .services import role_grant

    role_grant(user=request.user, kind=request.kind, actor=actor, confirmed_request=request)


ROLE_REQUEST = Flow(
    name="core.role_request",
    model="core.RoleRequest",
    states=dict(S.choices),
    system_roles=True,
    describe=lambda r: f"三员角色申请 {r}",
    transitions=[
        Transition("request", "提交申请", (S.NEW,), S.PENDING, roles=ADMINS),
        Transition("approve", "确认授予", (S.PENDING,), S.APPROVED, roles=frozenset({RoleKind.SECADMIN}),
                   not_same_as=("request",), effect=lambda r, actor: _grant(r, actor)),
        Transition("reject", "驳回", (S.PENDING,), S.REJECTED, roles=frozenset({RoleKind.SECADMIN}),
                   requires=(REASON,), style="danger"),
        Transition("withdraw", "撤回", (S.PENDING,), S.WITHDRAWN, roles=ADMINS, style="secondary"),
    ],
)
