"""The bulletin's status flow, declared once with core.workflow."""

from countyworks.core.models import Programme, RoleKind
from countyworks.core.workflow import Flow, Transition

from .models import Bulletin

B = Bulletin.Status

BULLETIN_FLOW = Flow(
    name="reporting.bulletin",
    model="reporting.Bulletin",
    states=dict(B.choices),
    programme=Programme.DISPATCH,
    describe=lambda b: b.title,
    transitions=[
        Transition("publish", "发布", (B.DRAFT,), B.PUBLISHED, roles=frozenset({RoleKind.MANAGER}),
                   action="manage", system=True),
        # publishing a corrected bulletin of the same programme, period and unit: the earlier
        # one stays readable, marked as corrected
        Transition("supersede", "被更正", (B.PUBLISHED,), B.SUPERSEDED, system=True),
    ],
)
