"""The weekly dispatch's status flows, declared once with core.workflow."""

from countyworks.core.models import Programme, RoleKind
from countyworks.core.workflow import REASON, Flow, Transition

from .models import Submission

S = Submission.Status
REVIEWERS = frozenset({RoleKind.REVIEWER, RoleKind.MANAGER})

# A week's report: the unit submits (again, while not approved); a reviewer of the unit or above —
# never the one who submitted it — approves (locks) or returns it with a reason; an approved week
# is reopened for correction only with a reason.
SUBMISSION_FLOW = Flow(
    name="dispatch.submission",
    model="dispatch.Submission",
    states=dict(S.choices),
    programme=Programme.DISPATCH,
    describe=str,
    url=lambda s: s.get_absolute_url(),
    transitions=[
        Transition("submit", "提交", (S.DRAFT, S.RETURNED, S.SUBMITTED), S.SUBMITTED, system=True),
        Transition("approve", "审核通过", (S.SUBMITTED,), S.APPROVED, roles=REVIEWERS, action="review",
                   not_same_as=("submit",)),
        Transition("return", "退回", (S.SUBMITTED,), S.RETURNED, roles=REVIEWERS, action="review",
                   not_same_as=("submit",), requires=(REASON,), style="danger"),
        Transition("reopen", "重新打开", (S.APPROVED,), S.RETURNED, roles=REVIEWERS, action="review",
                   requires=(REASON,), style="secondary"),
    ],
)
