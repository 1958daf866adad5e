"""The identification procedure and risk elimination: roles, not-the-same-person, the 5-day
notice, the 15-day clock, stale states."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from countyworks.core.models import RoleKind
from countyworks.households import services
from countyworks.households.flows import IDENTIFICATION, procedure_clock
from countyworks.households.models import Elimination, Household, Identification

from .conftest import grant, make_household


def start(hh, **kw):
    h = make_household(hh.operator, hh.village)
    return services.identification_start(actor=hh.operator, household=h, proposed_category="edge",
                                         reason="因病支出大", **kw)


def village_steps(hh, case, actor=None):
    for name in ("verify", "consent", "compare", "deliberate", "publish"):
        services.identification_move(actor=actor or hh.operator, case=case, name=name)


def test_full_procedure_to_county_confirmation(hh, settings):
    case = start(hh)
    assert Household.objects.get().status == Household.Status.IDENTIFYING
    village_steps(hh, case)
    assert case.status == Identification.Status.PUBLICIZED
    assert case.notice_from == date(2024, 3, 20) and case.notice_to == date(2024, 3, 25)
    with pytest.raises(ValidationError, match="不少于5天"):
        services.identification_move(actor=hh.reviewer, case=case, name="town_review")
    settings.COUNTYWORKS_TODAY = "2024-03-25"
    services.identification_move(actor=hh.reviewer, case=case, name="town_review")
    with pytest.raises(ValidationError, match="同一人"):
        grant(hh.reviewer, RoleKind.MANAGER, hh.district)
        services.identification_move(actor=hh.reviewer, case=case, name="confirm")
    services.identification_move(actor=hh.manager, case=case, name="confirm")
    case.refresh_from_db()
    h = Household.objects.get()
    assert case.status == Identification.Status.CONFIRMED and case.closed_on == date(2024, 3, 25)
    assert h.status == Household.Status.MONITORED and h.category == "edge"
    assert [t.transition for t in IDENTIFICATION.history(case)] == [
        "verify", "consent", "compare", "deliberate", "publish", "town_review", "confirm"]


def test_each_step_by_its_role(hh):
    case = start(hh)
    with pytest.raises(PermissionDenied):
        services.identification_move(actor=hh.reviewer, case=case, name="verify")  # a village step
    with pytest.raises(PermissionDenied):
        services.identification_move(actor=hh.other_operator, case=case, name="verify")  # another village
    with pytest.raises(PermissionDenied):
        services.identification_move(actor=hh.leader, case=case, name="verify")
    with pytest.raises(ValidationError, match="不能县级确认"):
        services.identification_move(actor=hh.manager, case=case, name="confirm")  # out of order


def test_town_review_not_by_a_person_who_did_a_village_step(hh, settings):
    grant(hh.operator2, RoleKind.REVIEWER, hh.town)
    case = start(hh)
    services.identification_move(actor=hh.operator, case=case, name="verify")
    services.identification_move(actor=hh.operator2, case=case, name="consent")
    for name in ("compare", "deliberate", "publish"):
        services.identification_move(actor=hh.operator, case=case, name=name)
    settings.COUNTYWORKS_TODAY = "2024-03-26"
    with pytest.raises(ValidationError, match="同一人"):
        services.identification_move(actor=hh.operator2, case=case, name="town_review")
    services.identification_move(actor=hh.reviewer, case=case, name="town_review")


def test_compare_needs_members(hh):
    case = start(hh)
    case.household.members.all().delete()
    for name in ("verify", "consent"):
        services.identification_move(actor=hh.operator, case=case, name=name)
    with pytest.raises(ValidationError, match="家庭成员"):
        services.identification_move(actor=hh.operator, case=case, name="compare")


def test_reject_needs_reason_and_returns_household(hh):
    case = start(hh)
    with pytest.raises(ValidationError, match="理由"):
        services.identification_move(actor=hh.reviewer, case=case, name="reject")
    services.identification_move(actor=hh.reviewer, case=case, name="reject", reason="收入核实高于监测线")
    assert Household.objects.get().status == Household.Status.REGISTERED


def test_stale_state_refused(hh):
    case = start(hh)
    stale = Identification.objects.get(pk=case.pk)
    services.identification_move(actor=hh.operator, case=case, name="verify")
    with pytest.raises(ValidationError, match="已被他人改为"):
        services.identification_move(actor=hh.operator, case=stale, name="verify")


def test_cannot_start_twice(hh):
    case = start(hh)
    with pytest.raises(ValidationError, match="不能启动识别程序"):
        services.identification_start(actor=hh.operator, household=case.household, proposed_category="edge",
                                      reason="再次")


@pytest.mark.parametrize("days,level", [(0, "green"), (9, "green"), (10, "amber"), (15, "amber"), (16, "red")])
def test_clock_levels(hh, days, level):
    case = Identification(started_on=date(2024, 3, 20) - timedelta(days=days))
    c = procedure_clock(case)
    assert c["level"] == level and c["days"] == days
    assert c["overdue"] == (level == "red")


def test_clock_stops_at_closing(hh):
    case = Identification(started_on=date(2024, 1, 1), closed_on=date(2024, 1, 12))
    c = procedure_clock(case)
    assert c["days"] == 11 and c["closed"] and not c["overdue"]


def _monitored(hh, settings):
    case = start(hh, started_on=date(2024, 3, 1))
    village_steps(hh, case)
    settings.COUNTYWORKS_TODAY = "2024-03-26"
    services.identification_move(actor=hh.reviewer, case=case, name="town_review")
    services.identification_move(actor=hh.manager, case=case, name="confirm")
    return Household.objects.get()


def test_elimination_conditions_and_flow(hh, settings):
    h = _monitored(hh, settings)
    with pytest.raises(ValidationError, match="监测线尚未设定"):
        services.elimination_start(actor=hh.operator, household=h, reason="收入稳定")
    services.line_set(actor=hh.manager, year=2023, amount=Decimal("7000"))
    services.income_set(actor=hh.operator, household=h, year=2023, per_capita=Decimal("6500"))
    h.refresh_from_db()
    assert h.at_risk and "低于监测线" in h.risk_reasons
    with pytest.raises(ValidationError, match="未高于监测线"):
        services.elimination_start(actor=hh.operator, household=h, reason="收入稳定")
    services.income_set(actor=hh.operator, household=h, year=2023, per_capita=Decimal("9800"))
    risk = services.risk_add(actor=hh.operator, household=h, kind="illness", occurred_on=date(2023, 5, 1),
                             amount=Decimal("30000"), detail="肺癌化疗")
    h.refresh_from_db()
    assert h.at_risk and h.risk_reasons == "存在风险：大病"
    with pytest.raises(ValidationError, match="未化解的风险：大病"):
        services.elimination_start(actor=hh.operator, household=h, reason="收入稳定")
    services.risk_resolve(actor=hh.operator, risk=risk, resolved_on=date(2024, 3, 1), resolution="医保报销后康复")
    h.refresh_from_db()
    assert not h.at_risk
    case = services.elimination_start(actor=hh.operator, household=h, reason="收入稳定、风险化解")
    assert Household.objects.get().status == Household.Status.ELIMINATING
    services.elimination_move(actor=hh.operator, case=case, name="verify")
    services.elimination_move(actor=hh.operator, case=case, name="publish")
    with pytest.raises(ValidationError, match="不少于5天"):
        services.elimination_move(actor=hh.reviewer, case=case, name="town_review")
    settings.COUNTYWORKS_TODAY = "2024-04-01"
    services.elimination_move(actor=hh.reviewer, case=case, name="town_review")
    services.elimination_move(actor=hh.manager, case=case, name="confirm")
    assert Household.objects.get().status == Household.Status.ELIMINATED
    assert Elimination.objects.get().status == Elimination.Status.CONFIRMED


def test_line_set_by_manager_only(hh):
    with pytest.raises(PermissionDenied):
        services.line_set(actor=hh.operator, year=2023, amount=Decimal("7000"))
    with pytest.raises(ValidationError):
        services.line_set(actor=hh.manager, year=2023, amount=Decimal("0"))


def test_next_step_holders_are_notified(hh, settings):
    case = start(hh)
    village_steps(hh, case)
    note = hh.reviewer.notifications.get()
    assert "村级公示" in note.text and note.url == case.get_absolute_url()
    assert "陈大文" not in note.text  # notifications name the household by its code
    settings.COUNTYWORKS_TODAY = "2024-03-25"
    services.identification_move(actor=hh.reviewer, case=case, name="town_review")
    assert hh.manager.notifications.filter(text__contains="镇级审核").exists()
