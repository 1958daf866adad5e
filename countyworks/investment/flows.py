"""The investment programme's status flows, declared once with core.workflow."""

from countyworks.core.models import Programme
from countyworks.core.workflow import REASON, Flow, Transition

from .models import Lead, ServiceRequest

S = Lead.Status
OPEN = (S.NEW, S.FOLLOWING, S.EVALUATING, S.IN_REVIEW)


def _NOT(*states):  # noqa: N802
    return tuple(s for s in S.values if s not in states)

# A lead's flow. By hand: follow, evaluate, shelve, lose (the last two with a reason). By the
# platform: an evaluation moves a new lead to 评估中, an agenda to 准入评审, a review decision
# back to 评估中 or to 流失, and signing to 已签约.
LEAD_FLOW = Flow(
    name="investment.lead",
    model="investment.Lead",
    states=dict(S.choices),
    programme=Programme.INVESTMENT,
    describe=lambda lead: f"线索 {lead.code}",
    transitions=[
        Transition("follow", "开始跟进", (S.NEW, S.EVALUATING, S.IN_REVIEW, S.SHELVED), S.FOLLOWING),
        Transition("evaluate", "转入评估", (S.FOLLOWING, S.IN_REVIEW), S.EVALUATING),
        Transition("shelve", "搁置", OPEN, S.SHELVED, requires=(REASON,), style="secondary"),
        Transition("lose", "流失", (*OPEN, S.SHELVED), S.LOST, requires=(REASON,), style="danger"),
        Transition("evaluated", "评价", (S.NEW, S.FOLLOWING), S.EVALUATING, system=True),
        Transition("to_review", "列入准入评审", (S.EVALUATING, S.IN_REVIEW), S.IN_REVIEW, system=True),
        # a decision can be revised at the meeting: from whatever the previous decision left
        Transition("review_rejected", "准入评审不通过", _NOT(S.CONVERTED, S.LOST), S.LOST, system=True),
        Transition("review_deferred", "准入评审暂缓", _NOT(S.CONVERTED, S.EVALUATING), S.EVALUATING, system=True),
        Transition("review_passed", "准入评审通过", _NOT(S.CONVERTED, S.IN_REVIEW), S.IN_REVIEW, system=True),
        Transition("sign", "签约", (*OPEN, S.SHELVED), S.CONVERTED, system=True),
    ],
)

R = ServiceRequest.Status

SERVICE_REQUEST_FLOW = Flow(
    name="investment.service_request",
    model="investment.ServiceRequest",
    states=dict(R.choices),
    programme=Programme.INVESTMENT,
    describe=lambda sr: f"服务诉求 #{sr.pk}",
    transitions=[
        # the bureau answers (scope over the bureau), the project side rates and so closes
        Transition("answer", "答复", (R.OPEN, R.ANSWERED), R.ANSWERED, system=True),
        Transition("rate", "评价并办结", (R.ANSWERED,), R.CLOSED, system=True),
    ],
)


def lead_moves(lead):
    """{target state: transition} of the hand moves a lead may make from its state now."""
    return {t.target: t for t in LEAD_FLOW.transitions
            if not t.system and lead.status in t.source}
