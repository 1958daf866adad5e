"""Inspections, checklists, extensions, 挂牌督办 and scope: what the services accept and refuse."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from countyworks.core.models import AuditEntry
from countyworks.safety import selectors, services
from countyworks.safety.models import Hazard, HazardExtension, InspectedObject, Inspection
from countyworks.safety.workflows import HAZARD_FLOW

from .conftest import inspect, results_for

pytestmark = pytest.mark.django_db


# --- inspections ---------------------------------------------------------------------------------------


def test_inspection_records_every_item_and_keeps_its_checklist_version(town):
    insp = inspect(town, failed=(2, 4))
    assert insp.results.count() == 4
    assert insp.results.filter(result="fail").count() == 2
    assert insp.hazards.count() == 2
    assert insp.results.get(item__seq=2).photos.count() == 1
    v1 = insp.checklist
    v2 = services.checklist_publish(category=town.ebike, actor=town.office, note="增加充电设施检查",
                                    items=[(i.text, i.basis) for i in v1.items.all()] + [("充电设施具备定时断电功能", "")])
    assert v2.version == 2
    insp.refresh_from_db()
    assert insp.checklist == v1 and insp.results.count() == 4
    later = inspect(town, failed=(), day=date(2024, 3, 19))
    assert later.checklist == v2 and later.results.count() == 5


def test_same_client_key_records_once(town):
    first = inspect(town, client_key="phone-abc-1")
    again, created = services.inspection_record(
        actor=town.inspector3, campaign=town.campaign, team=town.team3, object=town.site, date=date(2024, 3, 18),
        results=results_for(town.site, (2, 4)), client_key="phone-abc-1")
    assert not created and again == first
    assert Inspection.objects.count() == 1 and Hazard.objects.count() == 2


def test_same_client_key_at_the_same_moment_records_once(town, monkeypatch):
    """Two sends of one queued inspection race: the second one's lookup runs before the first has
    committed, its insert then hits the unique key. It rolls back whole and returns the first."""
    first = inspect(town, client_key="phone-race-1")
    real = services._existing_for_key
    calls = []

    def late(key, actor):
        calls.append(key)
        return None if len(calls) == 1 else real(key, actor)  # the first look does not see it yet

    monkeypatch.setattr(services, "_existing_for_key", late)
    again, created = services.inspection_record(
        actor=town.inspector3, campaign=town.campaign, team=town.team3, object=town.site, date=date(2024, 3, 18),
        results=results_for(town.site, (2, 4)), client_key="phone-race-1")
    assert not created and again == first and len(calls) == 2
    assert Inspection.objects.count() == 1 and Hazard.objects.count() == 2
    assert AuditEntry.objects.filter(object_type="safety.inspection", action="create").count() == 1


def test_client_key_of_another_user_refused(town):
    inspect(town, client_key="k-1")
    with pytest.raises(ValidationError):
        services.inspection_record(actor=town.inspector3b, campaign=town.campaign, team=town.team3,
                                   object=town.site, date=date(2024, 3, 18), results=results_for(town.site),
                                   client_key="k-1")


def test_failed_item_needs_a_note_and_every_item_a_result(town):
    res = results_for(town.site, (2,))
    res[1]["note"] = ""
    with pytest.raises(ValidationError) as exc:
        services.inspection_record(actor=town.inspector3, campaign=town.campaign, team=town.team3,
                                   object=town.site, date=date(2024, 3, 18), results=res)
    assert "请描述存在的问题" in str(exc.value)
    with pytest.raises(ValidationError, match="未填写检查结果"):
        services.inspection_record(actor=town.inspector3, campaign=town.campaign, team=town.team3,
                                   object=town.site, date=date(2024, 3, 18), results=results_for(town.site)[:3])
    assert not Inspection.objects.exists()


def test_inspection_dates_and_campaign_rules(town):
    kw = dict(actor=town.inspector3, campaign=town.campaign, team=town.team3, object=town.site,
              results=results_for(town.site))
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.inspection_record(date=date(2024, 3, 21), **kw)
    with pytest.raises(ValidationError, match="期间"):
        services.inspection_record(date=date(2024, 2, 1), **kw)
    building = services.object_create(actor=town.office, name="外海安置房项目", unit=town.waihai,
                                      category=town.ebike.__class__.objects.get(name="房屋市政工程项目"))
    with pytest.raises(ValidationError, match="不在"):
        services.inspection_record(actor=town.inspector3, campaign=town.campaign, team=town.team3, object=building,
                                   date=date(2024, 3, 18), results=results_for(building))


def test_team_cannot_inspect_for_another_team_or_outside_its_areas(town):
    with pytest.raises(PermissionDenied):
        inspect(town, team=town.team5)
    with pytest.raises(PermissionDenied):  # 礼乐 is team 5's area
        inspect(town, obj=town.lile_site)
    assert not Inspection.objects.exists()


# --- scope ---------------------------------------------------------------------------------------------


def test_a_team_sees_the_objects_it_covers(town):
    seen3 = set(InspectedObject.objects.visible_to(town.inspector3))
    seen5 = set(InspectedObject.objects.visible_to(town.inspector5))
    assert town.site in seen3 and town.lile_site not in seen3
    assert town.lile_site in seen5 and town.site not in seen5
    # an object named for team 5 outside its areas
    services.campaign_team_set(campaign=town.campaign, team=town.team5, actor=town.office, areas=[town.lile],
                               objects=[town.site])
    assert town.site in set(InspectedObject.objects.visible_to(town.inspector5))


def test_area_user_sees_its_hazards_only(town):
    h = inspect(town).hazards.first()
    assert h in Hazard.objects.visible_to(town.property_user)
    assert h not in Hazard.objects.visible_to(town.lile_user)
    assert h not in Hazard.objects.visible_to(town.inspector5)


def test_object_registration_scope(town):
    with pytest.raises(PermissionDenied):
        services.object_create(actor=town.lile_user, name="外海某小区", category=town.property_cat, unit=town.waihai)
    obj = services.object_create(actor=town.inspector3, name="外海某小区", category=town.property_cat, unit=town.jinxi)
    assert obj.unit == town.jinxi
    with pytest.raises(ValidationError, match="已有名为"):
        services.object_create(actor=town.office, name="外海某小区", category=town.property_cat, unit=town.jinxi)
    with pytest.raises(ValidationError, match="街道"):
        services.object_create(actor=town.office, name="某组", category=town.property_cat, unit=town.team3)


# --- checklists ----------------------------------------------------------------------------------------


def test_checklist_publish_rules(town):
    with pytest.raises(PermissionDenied):
        services.checklist_publish(category=town.ebike, actor=town.inspector3, items=[("x", "")])
    with pytest.raises(ValidationError, match="至少"):
        services.checklist_publish(category=town.ebike, actor=town.office, items=[("  ", "")])
    with pytest.raises(ValidationError, match="重复"):
        services.checklist_publish(category=town.ebike, actor=town.office, items=[("a", ""), ("a", "")])
    current = selectors.current_checklist(town.ebike)
    with pytest.raises(ValidationError, match="相同"):
        services.checklist_publish(category=town.ebike, actor=town.office,
                                   items=[(i.text, i.basis) for i in current.items.all()])
    cat = services.category_create(actor=town.office, name="加油站")
    cl = services.checklist_publish(category=cat, actor=town.office, items=[("防静电设施完好", "")])
    assert cl.version == 1 and not cat.builtin


# --- extensions ----------------------------------------------------------------------------------------


def test_extension_keeps_the_deadline_history(town):
    h = inspect(town, failed=(4,)).hazards.get()
    HAZARD_FLOW.apply(h, "issue_notice", actor=town.inspector3)
    with pytest.raises(ValidationError, match="须晚于"):
        services.extension_request(hazard=h, actor=town.property_user, new_deadline=date(2024, 3, 24), reason="x")
    with pytest.raises(ValidationError, match="理由"):
        services.extension_request(hazard=h, actor=town.property_user, new_deadline=date(2024, 4, 5), reason=" ")
    ext = services.extension_request(hazard=h, actor=town.property_user, new_deadline=date(2024, 4, 5),
                                     reason="充电桩设备到货需10天")
    with pytest.raises(ValidationError, match="待审批"):
        services.extension_request(hazard=h, actor=town.property_user, new_deadline=date(2024, 4, 9), reason="再延")
    with pytest.raises(PermissionDenied):  # an operator may not approve
        services.extension_decide(extension=ext, actor=town.inspector3, approve=True)
    services.extension_decide(extension=ext, actor=town.office, approve=True, note="同意")
    h.refresh_from_db()
    assert h.deadline == date(2024, 4, 5)
    history = selectors.deadline_history(h)
    assert [d["deadline"] for d in history] == [date(2024, 3, 25), date(2024, 4, 5)]
    assert AuditEntry.objects.filter(object_type="safety.hazard", message__contains="批准延期").exists()


def test_extension_refusal_needs_reason_and_not_self_approval(town):
    h = inspect(town, failed=(4,)).hazards.get()
    ext = services.extension_request(hazard=h, actor=town.office, new_deadline=date(2024, 4, 5), reason="天气")
    with pytest.raises(ValidationError, match="申请人本人"):
        services.extension_decide(extension=ext, actor=town.office, approve=True)
    from countyworks.core.factories import user_with_role
    from countyworks.core.models import RoleKind

    reviewer = user_with_role(RoleKind.REVIEWER, "safety", town.zjj)
    with pytest.raises(ValidationError, match="理由"):
        services.extension_decide(extension=ext, actor=reviewer, approve=False)
    services.extension_decide(extension=ext, actor=reviewer, approve=False, note="理由不充分")
    h.refresh_from_db()
    assert h.deadline == date(2024, 3, 25)
    assert ext.__class__.objects.get(pk=ext.pk).status == HazardExtension.Status.REJECTED


# --- 挂牌督办 -----------------------------------------------------------------------------------------------


def test_major_overdue_hazard_is_supervised(town, settings):
    h = inspect(town, failed=(4,)).hazards.get()
    with pytest.raises(ValidationError, match="重大"):
        services.hazard_supervise(hazard=h, actor=town.office, supervising_unit=town.zjj)
    Hazard.objects.filter(pk=h.pk).update(level="major")
    h.refresh_from_db()
    with pytest.raises(ValidationError, match="未逾期"):
        services.hazard_supervise(hazard=h, actor=town.office, supervising_unit=town.zjj)
    settings.COUNTYWORKS_TODAY = "2024-03-26"
    assert services.can_supervise(h, town.office) and not services.can_supervise(h, town.inspector3)
    with pytest.raises(PermissionDenied):
        services.hazard_supervise(hazard=h, actor=town.inspector3, supervising_unit=town.zjj)
    services.hazard_supervise(hazard=h, actor=town.office, supervising_unit=town.zjj)
    h.refresh_from_db()
    assert h.supervised and h.supervising_unit == town.zjj and h.supervised_on == date(2024, 3, 26)
    assert list(selectors.supervised_open()) == [h]


def test_hazard_create_bounds(town):
    kw = dict(actor=town.inspector3, campaign=town.campaign, team=town.team3, object=town.site, level="general",
              description="消防器材过期", responsible="物业公司", found_on=date(2024, 3, 18))
    with pytest.raises(ValidationError, match="早于发现日期"):
        services.hazard_create(deadline=date(2024, 3, 1), **kw)
    with pytest.raises(ValidationError, match="366"):
        services.hazard_create(deadline=date(2026, 3, 1), **kw)
    with pytest.raises(ValidationError, match="等级"):
        services.hazard_create(deadline=date(2024, 3, 30), **{**kw, "level": "huge"})
    with pytest.raises(ValidationError, match="描述"):
        services.hazard_create(deadline=date(2024, 3, 30), **{**kw, "description": "  "})
    with pytest.raises(ValidationError, match="不能超过"):
        services.hazard_create(deadline=date(2024, 3, 30), **{**kw, "description": "长" * 2001})
    h = services.hazard_create(deadline=date(2024, 3, 30), **kw)
    assert h.unit == town.jinxi and AuditEntry.objects.filter(action="create", object_type="safety.hazard").exists()


def test_escalation_command(town, settings):
    from io import StringIO

    from django.core.management import call_command

    h = inspect(town, failed=(4,)).hazards.get()
    Hazard.objects.filter(pk=h.pk).update(level="major")
    out = StringIO()
    call_command("safety_escalate", stdout=out)
    assert "已挂牌督办0处" in out.getvalue()
    settings.COUNTYWORKS_TODAY = "2024-03-26"
    call_command("safety_escalate", "--dry-run", stdout=out)
    assert not Hazard.objects.get(pk=h.pk).supervised
    out = StringIO()
    call_command("safety_escalate", stdout=out)
    h.refresh_from_db()
    assert h.supervised and h.supervising_unit == town.zjj and "已挂牌督办1处" in out.getvalue()
    out = StringIO()
    call_command("safety_escalate", stdout=out)
    assert "已挂牌督办0处" in out.getvalue()
