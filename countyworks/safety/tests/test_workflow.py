"""The hazard flow: every transition allowed and refused, the re-check by the person who
submitted the rectification refused, after-photos required, stale states refused."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from countyworks.core.models import AuditEntry, FlowTransition, Notification
from countyworks.safety import services
from countyworks.safety.models import Hazard
from countyworks.safety.workflows import HAZARD_FLOW

from .conftest import inspect, photo

S = Hazard.Status
pytestmark = pytest.mark.django_db


def hazard(town):
    insp = inspect(town, failed=(4,))
    return insp.hazards.get()


def to_rectifying(town, h):
    HAZARD_FLOW.apply(h, "issue_notice", actor=town.inspector3)
    HAZARD_FLOW.apply(h, "start", actor=town.property_user)
    return h


def test_failed_item_opens_prefilled_hazard(town):
    h = hazard(town)
    assert h.status == S.FOUND
    assert h.description.startswith("无飞线充电")
    assert h.responsible == "江门市金溪物业服务有限公司"
    assert h.unit == town.jinxi and h.team == town.team3
    assert h.deadline == date(2024, 3, 25)
    assert h.code == "YH202400001"


def test_issue_notice_numbers_the_notice(town):
    h = hazard(town)
    HAZARD_FLOW.apply(h, "issue_notice", actor=town.inspector3)
    h.refresh_from_db()
    assert h.status == S.NOTIFIED
    assert h.notice_no == "安整〔2024〕第001号" and h.notice_date == date(2024, 3, 20)
    h2 = inspect(town, failed=(1,), client_key="k2").hazards.get()
    HAZARD_FLOW.apply(h2, "issue_notice", actor=town.inspector3)
    h2.refresh_from_db()
    assert h2.notice_no == "安整〔2024〕第002号"
    assert Notification.objects.filter(user=town.property_user).exists()


def test_issue_notice_refused_to_area_and_other_team(town):
    h = hazard(town)
    with pytest.raises(PermissionDenied):
        HAZARD_FLOW.apply(h, "issue_notice", actor=town.property_user)
    with pytest.raises(PermissionDenied):
        HAZARD_FLOW.apply(h, "issue_notice", actor=town.inspector5)
    h.refresh_from_db()
    assert h.status == S.FOUND and not h.notice_no


def test_notice_needs_a_requirement(town):
    h = hazard(town)
    Hazard.objects.filter(pk=h.pk).update(requirement="")
    h.refresh_from_db()
    with pytest.raises(ValidationError, match="整改要求"):
        HAZARD_FLOW.apply(h, "issue_notice", actor=town.inspector3)


def test_start_by_responsible_area(town):
    h = to_rectifying(town, hazard(town))
    assert h.status == S.RECTIFYING
    lile_h = hazard(town)
    HAZARD_FLOW.apply(lile_h, "issue_notice", actor=town.inspector3)
    with pytest.raises(PermissionDenied):  # 礼乐街道 is not this object's area
        HAZARD_FLOW.apply(lile_h, "start", actor=town.lile_user)


def test_submit_requires_after_photos(town):
    h = to_rectifying(town, hazard(town))
    with pytest.raises(ValidationError, match="整改后照片"):
        HAZARD_FLOW.apply(h, "submit", actor=town.property_user)
    with pytest.raises(ValidationError):
        services.hazard_submit_rectification(hazard=h, actor=town.property_user, note="已清理", photos=[])
    services.hazard_submit_rectification(hazard=h, actor=town.property_user, note="已拆除飞线，增设充电桩",
                                         photos=[photo("after.png")])
    h.refresh_from_db()
    assert h.status == S.SUBMITTED and h.rectification_note.startswith("已拆除")
    assert h.photos.filter(caption="整改后照片·第1次整改").count() == 1


def test_recheck_refused_to_the_submitter(town):
    h = to_rectifying(town, hazard(town))
    services.hazard_submit_rectification(hazard=h, actor=town.inspector3, note="现场督促整改完毕", photos=[photo()])
    with pytest.raises(ValidationError, match="同一人"):
        HAZARD_FLOW.apply(h, "recheck_pass", actor=town.inspector3)
    with pytest.raises(ValidationError, match="同一人"):
        HAZARD_FLOW.apply(h, "recheck_fail", actor=town.inspector3, reason="不行")
    assert [t.name for t in HAZARD_FLOW.allowed(h, town.inspector3)] == []
    HAZARD_FLOW.apply(h, "recheck_pass", actor=town.inspector3b)
    assert h.status == S.PASSED


def test_recheck_not_by_the_property_company(town):
    h = to_rectifying(town, hazard(town))
    services.hazard_submit_rectification(hazard=h, actor=town.property_user, note="已整改", photos=[photo()])
    with pytest.raises(PermissionDenied):
        HAZARD_FLOW.apply(h, "recheck_pass", actor=town.property_user)


def test_recheck_fail_reopens_with_reason_and_new_photos_needed(town):
    h = to_rectifying(town, hazard(town))
    services.hazard_submit_rectification(hazard=h, actor=town.property_user, note="已整改", photos=[photo()])
    with pytest.raises(ValidationError, match="理由"):
        HAZARD_FLOW.apply(h, "recheck_fail", actor=town.inspector3)
    HAZARD_FLOW.apply(h, "recheck_fail", actor=town.inspector3, reason="仍有飞线")
    h.refresh_from_db()
    assert h.status == S.RECTIFYING
    assert FlowTransition.objects.filter(object_id=h.pk, transition="recheck_fail", reason="仍有飞线").exists()
    # the first round's photos do not count for the second
    with pytest.raises(ValidationError, match="整改后照片"):
        HAZARD_FLOW.apply(h, "submit", actor=town.property_user)
    services.hazard_submit_rectification(hazard=h, actor=town.property_user, note="再次整改", photos=[photo()])
    assert h.photos.filter(caption="整改后照片·第2次整改").count() == 1


def test_close_sets_the_closing_day(town):
    h = to_rectifying(town, hazard(town))
    services.hazard_submit_rectification(hazard=h, actor=town.property_user, note="已整改", photos=[photo()])
    HAZARD_FLOW.apply(h, "recheck_pass", actor=town.inspector3)
    with pytest.raises(PermissionDenied):
        HAZARD_FLOW.apply(h, "close", actor=town.property_user)
    HAZARD_FLOW.apply(h, "close", actor=town.inspector3b)
    h.refresh_from_db()
    assert h.status == S.CLOSED and h.closed_on == date(2024, 3, 20)
    assert AuditEntry.objects.filter(object_type="safety.hazard", object_id=str(h.pk), message__contains="销号").exists()


def test_wrong_state_and_stale_state_refused(town):
    h = hazard(town)
    with pytest.raises(ValidationError, match="不能"):
        HAZARD_FLOW.apply(h, "recheck_pass", actor=town.inspector3b)
    stale = Hazard.objects.get(pk=h.pk)
    HAZARD_FLOW.apply(h, "issue_notice", actor=town.inspector3)
    with pytest.raises(ValidationError, match="已被他人改为"):
        HAZARD_FLOW.apply(stale, "issue_notice", actor=town.inspector3b)


def test_district_office_may_do_inspector_steps(town):
    h = hazard(town)
    HAZARD_FLOW.apply(h, "issue_notice", actor=town.office)
    assert h.status == S.NOTIFIED
