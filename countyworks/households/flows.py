"""The two declared procedures of the programme (core.workflow) and the 15-day clock.

识别程序 (identification): 入户核实 → 签署授权承诺 → 信息比对 → 村级民主评议 → 村级公示 (at least
5 days, not shortened) → 镇级审核 (not by whoever did a village step) → 县级确认; the whole within
15 days of the start, shown as a clock: amber from day 10, red past day 15.

风险消除 (risk elimination): 入户核实 → 村级公示 (≥ 5 days) → 镇级审核 → 县级确认, allowed only
while the household's income was above the line for the whole last year and every risk factor is
resolved (checked at the start, at the town review and at the county confirmation).

The transitions are made through services.identification_move / elimination_move (they also set
the household's status, the notice dates and the closing date in the same transaction), from
this app's own transition views — so the flows declare no `model` for the generic view."""

from datetime import timedelta

from countyworks.core import clock
from countyworks.core.models import Programme, RoleKind
from countyworks.core.workflow import REASON, Flow, Transition

from .models import Elimination, Identification

NOTICE_DAYS = 5
CLOCK_LIMIT = 15
CLOCK_AMBER = 10

OPERATOR = frozenset({RoleKind.OPERATOR})
REVIEWER = frozenset({RoleKind.REVIEWER})
MANAGER = frozenset({RoleKind.MANAGER})
DECIDERS = frozenset({RoleKind.REVIEWER, RoleKind.MANAGER})


def procedure_clock(case, today=None):
    """The one computation of a procedure's clock: days since its start (to its closing day if
    closed), and the level: green up to day 9, amber from day 10, red past day 15."""
    today = today or clock.today()
    end = case.closed_on or today
    days = max((end - case.started_on).days, 0)
    if days > CLOCK_LIMIT:
        level, label = "red", f"已超期{days - CLOCK_LIMIT}天"
    elif days >= CLOCK_AMBER:
        level, label = "amber", f"第{days}天，剩余{CLOCK_LIMIT - days}天"
    else:
        level, label = "green", f"第{days}天"
    closed = case.closed_on is not None
    return {
        "days": days, "level": level, "label": ("用时" + f"{days}天") if closed else label,
        "closed": closed, "overdue": (not closed) and days > CLOCK_LIMIT,
        "deadline": case.started_on + timedelta(days=CLOCK_LIMIT),
    }


def notice_refusal(case, today=None):
    """A village notice must stand at least NOTICE_DAYS full days."""
    today = today or clock.today()
    if not case.notice_from:
        return "尚未开始村级公示"
    earliest = case.notice_from + timedelta(days=NOTICE_DAYS)
    if today < earliest:
        return (f"村级公示期不少于{NOTICE_DAYS}天（{case.notice_from:%Y年%-m月%-d日}起），"
                f"{earliest:%Y年%-m月%-d日}起方可审核")
    return None


def _has_members(case):
    if not case.household.members.exists():
        return "该户尚未登记家庭成员，无法进行信息比对"
    return None


def elimination_refusal(household, today=None):
    """Why the household's risk may not be declared eliminated now (Chinese), or None: the
    per-capita income of the last full year above that year's line, and no open risk factor."""
    from .models import IncomeRecord, MonitoringLine

    today = today or clock.today()
    year = today.year - 1
    line = MonitoringLine.objects.filter(year=year).first()
    if line is None:
        return f"{year}年监测线尚未设定，无法判断收入是否稳定在监测线以上"
    income = IncomeRecord.objects.filter(household=household, year=year).first()
    if income is None:
        return f"尚未登记该户{year}年人均纯收入"
    if income.per_capita <= line.amount:
        return f"该户{year}年人均纯收入{income.per_capita}元未高于监测线{line.amount}元"
    open_risks = [r.get_kind_display() for r in household.risks.all() if r.resolved_on is None]
    if open_risks:
        return f"该户仍有未化解的风险：{'、'.join(open_risks)}"
    return None


def _notice_ok(case):
    return notice_refusal(case)


def _elimination_ok(case):
    return notice_refusal(case) or elimination_refusal(case.household)


def _elimination_confirm_ok(case):
    return elimination_refusal(case.household)


def _holders(kind):
    """notify(obj, actor): the users holding `kind` for the programme on the record's unit or above."""

    def users(case, actor):
        from countyworks.core.models import User

        ids = [int(x) for x in case.household.unit.path.strip("/").split("/") if x]
        return list(User.objects.filter(is_active=True, roles__programme=Programme.HOUSEHOLDS, roles__kind=kind,
                                        roles__unit_id__in=ids).distinct())

    return users


I = Identification.Status  # noqa: E741
VILLAGE_STEPS = ("verify", "consent", "compare", "deliberate", "publish")

IDENTIFICATION = Flow(
    name="households.identification",
    states=dict(I.choices),
    programme=Programme.HOUSEHOLDS,
    describe=str,
    url=lambda case: case.get_absolute_url(),
    transitions=[
        Transition("verify", "入户核实", (I.STARTED,), I.VERIFIED, roles=OPERATOR),
        Transition("consent", "签署授权承诺", (I.VERIFIED,), I.CONSENTED, roles=OPERATOR),
        Transition("compare", "信息比对", (I.CONSENTED,), I.COMPARED, roles=OPERATOR, condition=_has_members),
        Transition("deliberate", "村级民主评议", (I.COMPARED,), I.DELIBERATED, roles=OPERATOR),
        Transition("publish", "村级公示", (I.DELIBERATED,), I.PUBLICIZED, roles=OPERATOR,
                   notify=_holders(RoleKind.REVIEWER)),
        Transition("town_review", "镇级审核", (I.PUBLICIZED,), I.TOWN_REVIEWED, roles=REVIEWER,
                   action="review", not_same_as=VILLAGE_STEPS, condition=_notice_ok,
                   notify=_holders(RoleKind.MANAGER)),
        Transition("confirm", "县级确认", (I.TOWN_REVIEWED,), I.CONFIRMED, roles=MANAGER, action="manage",
                   not_same_as=("town_review",)),
        Transition("reject", "不予纳入", tuple(Identification.OPEN), I.REJECTED, roles=DECIDERS,
                   action="review", requires=(REASON,), style="danger"),
    ],
)

E = Elimination.Status

ELIMINATION = Flow(
    name="households.elimination",
    states=dict(E.choices),
    programme=Programme.HOUSEHOLDS,
    describe=str,
    url=lambda case: case.get_absolute_url(),
    transitions=[
        Transition("verify", "入户核实", (E.PROPOSED,), E.VERIFIED, roles=OPERATOR),
        Transition("publish", "村级公示", (E.VERIFIED,), E.PUBLICIZED, roles=OPERATOR,
                   notify=_holders(RoleKind.REVIEWER)),
        Transition("town_review", "镇级审核", (E.PUBLICIZED,), E.TOWN_REVIEWED, roles=REVIEWER, action="review",
                   not_same_as=("verify", "publish"), condition=_elimination_ok, notify=_holders(RoleKind.MANAGER)),
        Transition("confirm", "县级确认", (E.TOWN_REVIEWED,), E.CONFIRMED, roles=MANAGER, action="manage",
                   not_same_as=("town_review",), condition=_elimination_confirm_ok),
        Transition("reject", "暂不消除", tuple(Elimination.OPEN), E.REJECTED, roles=DECIDERS, action="review",
                   requires=(REASON,), style="danger"),
    ],
)
