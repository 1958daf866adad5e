"""The safety pages: the generic view contract on each register, and what an inspector, the
property company and the office see and can do."""

from datetime import date

import pytest
from django.urls import reverse

from countyworks.core.factories import user_with_role
from countyworks.core.models import Programme, RoleKind
from countyworks.core.testing import ViewContract, World
from countyworks.safety import services
from countyworks.safety.models import Hazard, InspectedObject, Inspection
from countyworks.safety.selectors import current_checklist
from countyworks.safety.workflows import HAZARD_FLOW

from .conftest import docx_text, inspect, photo

pytestmark = pytest.mark.django_db


def outsider():
    return user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT)


class TestHazardViews(ViewContract):
    covers = {"safety:hazard_list", "safety:hazard_detail", "safety:hazard_create", "safety:hazard_update",
              "safety:hazard_notice", "safety:hazard_notice_pdf", "safety-hazard-list", "safety-hazard-detail"}

    @pytest.fixture
    def world(self, town):
        own = inspect(town, failed=(4,)).hazards.get()
        foreign = inspect(town, obj=town.lile_site, failed=(1,), actor=town.inspector5, team=town.team5).hazards.get()
        notified = {}  # a notified hazard beside each (a notified hazard is no longer edited)
        for h, obj, actor, team in ((own, town.site, town.inspector3, town.team3),
                                    (foreign, town.lile_site, town.inspector5, town.team5)):
            other = inspect(town, obj=obj, failed=(2,), actor=actor, team=team).hazards.get()
            HAZARD_FLOW.apply(other, "issue_notice", actor=actor)
            notified[h.pk] = other.pk
        return World(
            permitted=town.inspector3, outsider=outsider(), own=own, foreign=foreign,
            list_url=reverse("safety:hazard_list"), detail_url=lambda h: reverse("safety:hazard_detail", args=[h.pk]),
            create_url=reverse("safety:hazard_create"),
            create_data={"campaign": town.campaign.pk, "team": town.team3.pk, "object": town.site.pk,
                         "level": "general", "description": "灭火器过期", "responsible": "金溪物业",
                         "requirement": "更换灭火器", "found_on": "2024-03-19", "deadline": "2024-03-26"},
            update_url=lambda h: reverse("safety:hazard_update", args=[h.pk]),
            update_data=lambda h: {"level": "major", "description": h.description, "responsible": h.responsible,
                                   "requirement": h.requirement, "deadline": "2024-03-28"},
            list_text=lambda h: h.code,
            pages=[lambda h: reverse("safety:hazard_notice", args=[notified[h.pk]])],
            guarded_pages=[lambda h: reverse("safety:hazard_notice_pdf", args=[notified[h.pk]])],  # needs LibreOffice
            api_list_url=reverse("safety-hazard-list"),
            api_detail_url=lambda h: reverse("safety-hazard-detail", args=[h.pk]),
        )


class TestObjectViews(ViewContract):
    covers = {"safety:object_list", "safety:object_detail", "safety:object_create", "safety:object_update",
              "safety:inspection_create", "safety:inspection_start"}

    @pytest.fixture
    def world(self, town):
        return World(
            permitted=town.inspector3, outsider=outsider(), own=town.site, foreign=town.lile_site,
            list_url=reverse("safety:object_list"), detail_url=lambda o: reverse("safety:object_detail", args=[o.pk]),
            create_url=reverse("safety:object_create"),
            create_data={"name": "金溪二期停放点", "category": town.ebike.pk, "unit": town.jinxi.pk, "address": "",
                         "contact_name": "", "contact_phone": "", "credit_code": ""},
            update_url=lambda o: reverse("safety:object_update", args=[o.pk]),
            update_data=lambda o: {"name": o.name, "category": o.category_id, "unit": o.unit_id, "address": "金溪路10号",
                                   "contact_name": "", "contact_phone": "", "credit_code": ""},
            list_text=lambda o: o.name,
            pages=[lambda o: reverse("safety:inspection_create", args=[o.pk]), reverse("safety:inspection_start")],
        )


class TestInspectionViews(ViewContract):
    covers = {"safety:inspection_list", "safety:inspection_detail", "safety-inspection-list",
              "safety-inspection-detail"}

    @pytest.fixture
    def world(self, town):
        own = inspect(town, failed=())
        foreign = inspect(town, obj=town.lile_site, failed=(), actor=town.inspector5, team=town.team5)
        return World(
            permitted=town.inspector3, outsider=outsider(), own=own, foreign=foreign,
            list_url=reverse("safety:inspection_list"),
            detail_url=lambda i: reverse("safety:inspection_detail", args=[i.pk]),
            list_text=lambda i: i.object.name,
            read_only_views=True,  # inspections are written on the phone page (test_phone_inspection_*)
            api_list_url=reverse("safety-inspection-list"),
            api_detail_url=lambda i: reverse("safety-inspection-detail", args=[i.pk]),
        )


class TestCampaignViews(ViewContract):
    covers = {"safety:campaign_list", "safety:campaign_detail", "safety:campaign_create", "safety:campaign_update",
              "safety:category_list", "safety:category_detail", "safety:stats"}

    @pytest.fixture
    def world(self, town):
        return World(
            permitted=town.office, outsider=outsider(), own=town.campaign,
            list_url=reverse("safety:campaign_list"),
            detail_url=lambda c: reverse("safety:campaign_detail", args=[c.pk]),
            create_url=reverse("safety:campaign_create"),
            create_data={"name": "电动自行车消防安全专项检查", "lead_bureau": town.zjj.pk, "start": "2024-03-01",
                         "end": "2024-04-30", "categories": [town.ebike.pk], "description": ""},
            update_url=lambda c: reverse("safety:campaign_update", args=[c.pk]),
            update_data=lambda c: {"name": c.name, "lead_bureau": c.lead_bureau_id, "start": c.start.isoformat(),
                                   "end": "2024-04-15", "categories": [x.pk for x in c.categories.all()],
                                   "description": "延长半个月"},
            list_text=lambda c: c.name,
            pages=[reverse("safety:category_list"), reverse("safety:category_detail", args=[town.ebike.pk]),
                   reverse("safety:stats")],
        )


def form_data(town, obj, failed=(), key="", **extra):
    data = {"team": town.team3.pk, "campaign": town.campaign.pk, "object": obj.pk, "date": "2024-03-18",
            "inspectors": "张三、李四", "note": "", "open_hazards": "on", "deadline": "", "client_key": key}
    for it in current_checklist(obj.category).items.all():
        data[f"item_{it.pk}"] = "fail" if it.seq in failed else "pass"
        data[f"note_{it.pk}"] = f"{it.text}不符合" if it.seq in failed else ""
    data.update(extra)
    return data


def test_phone_inspection_opens_hazards_with_photos(client, town):
    client.force_login(town.inspector3)
    page = client.get(reverse("safety:inspection_create", args=[town.site.pk]))
    html = page.content.decode()
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert "无飞线充电" in html and "safety/inspection.js" in html
    items = list(current_checklist(town.ebike).items.all())
    data = form_data(town, town.site, failed=(3, 4), key="abc-123")
    data[f"photos_{items[2].pk}"] = [photo("louti.png")]
    data[f"photos_{items[3].pk}"] = [photo("feixian1.png"), photo("feixian2.png")]
    resp = client.post(reverse("safety:inspection_create", args=[town.site.pk]), data)
    insp = Inspection.objects.get()
    assert resp.status_code == 302 and resp["Location"] == insp.get_absolute_url()
    assert insp.hazards.count() == 2
    detail = client.get(insp.get_absolute_url()).content.decode()
    assert "feixian1.png" in detail and "YH202400001" in detail
    # resending the same form (the phone did not see the answer) records nothing new
    data[f"photos_{items[2].pk}"] = [photo("louti.png")]
    data[f"photos_{items[3].pk}"] = [photo("feixian1.png")]
    resp = client.post(reverse("safety:inspection_create", args=[town.site.pk]), data, follow=True)
    assert "未重复保存" in resp.content.decode()
    assert Inspection.objects.count() == 1 and Hazard.objects.count() == 2


def test_inspection_form_errors_in_chinese(client, town):
    client.force_login(town.inspector3)
    data = form_data(town, town.site, failed=(4,))
    item4 = current_checklist(town.ebike).items.get(seq=4)
    data[f"note_{item4.pk}"] = ""
    del data[f"item_{current_checklist(town.ebike).items.get(seq=1).pk}"]
    resp = client.post(reverse("safety:inspection_create", args=[town.site.pk]), data)
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "请选择第1项的检查结果" in html
    assert not Inspection.objects.exists()
    data = form_data(town, town.site, failed=(4,))
    data[f"note_{item4.pk}"] = ""
    html = client.post(reverse("safety:inspection_create", args=[town.site.pk]), data).content.decode()
    assert "请描述存在的问题" in html


def test_inspection_of_another_teams_object_is_404(client, town):
    client.force_login(town.inspector3)
    assert client.get(reverse("safety:inspection_create", args=[town.lile_site.pk])).status_code == 404
    assert client.post(reverse("safety:inspection_create", args=[town.lile_site.pk]),
                       form_data(town, town.lile_site)).status_code == 404


def test_failed_item_opens_a_prefilled_hazard_form(client, town):
    insp = inspect(town, failed=(4,), open_hazards=False)
    res = insp.results.get(result="fail")
    client.force_login(town.inspector3)
    html = client.get(insp.get_absolute_url()).content.decode()
    assert f"?result={res.pk}" in html
    form = client.get(reverse("safety:hazard_create") + f"?result={res.pk}")
    assert form.context["form"].initial["description"].startswith("无飞线充电")
    assert form.context["form"].initial["responsible"] == "江门市金溪物业服务有限公司"
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in form.context["form"].initial.items()}
    data.update(found_on="2024-03-18", deadline="2024-03-25", result=res.pk)
    resp = client.post(reverse("safety:hazard_create") + f"?result={res.pk}", data)
    assert resp.status_code == 302
    assert Hazard.objects.get().result == res
    # another team's failed item is not found
    other = inspect(town, obj=town.lile_site, failed=(1,), actor=town.inspector5, team=town.team5, open_hazards=False)
    assert client.get(reverse("safety:hazard_create") + f"?result={other.results.get(result='fail').pk}").status_code == 404
    assert client.get(reverse("safety:hazard_create") + "?result=abc").status_code == 404


def test_journey_notice_rectify_recheck(client, town):
    h = inspect(town, failed=(4,)).hazards.get()
    url = h.get_absolute_url()
    client.force_login(town.inspector3)
    html = client.get(url).content.decode()
    assert "下发整改通知书" in html and "整改通知书（" not in html
    flow_url = reverse("core:flow_transition", args=["safety.hazard", h.pk])
    client.post(flow_url, {"transition": "issue_notice", "state": "found"})
    h.refresh_from_db()
    assert h.status == "notified" and h.notice_no == "安整〔2024〕第001号"
    doc = client.get(reverse("safety:hazard_notice", args=[h.pk]))
    assert doc.status_code == 200 and doc.content[:2] == b"PK"
    text = docx_text(doc.content)
    assert "安全隐患整改通知书" in text and "安整〔2024〕第001号" in text
    assert "江门市金溪物业服务有限公司：" in text and "2024年3月25日前" in text and "区住建局(交通局)" in text
    import shutil

    if shutil.which("soffice"):  # the same notice as PDF (make browser-deps installs LibreOffice)
        pdf = client.get(reverse("safety:hazard_notice_pdf", args=[h.pk]))
        assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-" and pdf["Content-Type"] == "application/pdf"
    # the property company starts and submits with an after-photo
    client.force_login(town.property_user)
    client.post(flow_url, {"transition": "start", "state": "notified"})
    resp = client.post(url, {"form": "rectify", "note": "已拆除飞线", "photos": []})
    assert "请上传照片" in resp.content.decode()
    resp = client.post(url, {"form": "rectify", "note": "已拆除飞线，增设充电桩", "photos": [photo("after.png")]})
    assert resp.status_code == 302
    h.refresh_from_db()
    assert h.status == "submitted"
    html = client.get(url).content.decode()
    assert "after.png" in html and "复查通过" not in html.split("流转记录")[0]
    # another inspector re-checks and closes
    client.force_login(town.inspector3b)
    client.post(flow_url, {"transition": "recheck_pass", "state": "submitted"})
    client.post(flow_url, {"transition": "close", "state": "passed"})
    h.refresh_from_db()
    assert h.status == "closed" and h.closed_on == date(2024, 3, 20)


def test_property_company_cannot_recheck_its_own_rectification(client, town):
    h = inspect(town, failed=(4,)).hazards.get()
    HAZARD_FLOW.apply(h, "issue_notice", actor=town.inspector3)
    HAZARD_FLOW.apply(h, "start", actor=town.inspector3)
    services.hazard_submit_rectification(hazard=h, actor=town.inspector3, note="督促完成", photos=[photo()])
    client.force_login(town.inspector3)
    flow_url = reverse("core:flow_transition", args=["safety.hazard", h.pk])
    resp = client.post(flow_url, {"transition": "recheck_pass", "state": "submitted"}, follow=True)
    assert "同一人" in resp.content.decode()
    h.refresh_from_db()
    assert h.status == "submitted"


def test_notice_before_issue_is_404_and_foreign_notice_404(client, town):
    h = inspect(town, failed=(4,)).hazards.get()
    client.force_login(town.inspector3)
    assert client.get(reverse("safety:hazard_notice", args=[h.pk])).status_code == 404
    other = inspect(town, obj=town.lile_site, failed=(1,), actor=town.inspector5, team=town.team5).hazards.get()
    HAZARD_FLOW.apply(other, "issue_notice", actor=town.inspector5)
    assert client.get(reverse("safety:hazard_notice", args=[other.pk])).status_code == 404


def test_extension_pages(client, town):
    h = inspect(town, failed=(4,)).hazards.get()
    client.force_login(town.property_user)
    resp = client.post(h.get_absolute_url(), {"form": "extend", "new_deadline": "2024-03-20", "reason": "设备未到"})
    assert "须晚于当前整改期限" in resp.content.decode()
    client.post(h.get_absolute_url(), {"form": "extend", "new_deadline": "2024-04-05", "reason": "设备未到"})
    client.force_login(town.office)
    html = client.get(h.get_absolute_url()).content.decode()
    assert "待审批的延期申请" in html and "提交审批" in html
    client.post(h.get_absolute_url(), {"form": "decide", "decision": "approve", "note": ""})
    h.refresh_from_db()
    assert h.deadline == date(2024, 4, 5)
    assert "原期限：2024-03-25" in client.get(h.get_absolute_url()).content.decode()


def test_overdue_filter_and_badge(client, town, settings):
    h = inspect(town, failed=(4,)).hazards.get()
    settings.COUNTYWORKS_TODAY = "2024-03-28"
    client.force_login(town.inspector3)
    html = client.get(reverse("safety:hazard_list") + "?overdue=true").content.decode()
    assert h.code in html and "逾期3天" in html
    assert h.code not in client.get(reverse("safety:hazard_list") + "?overdue=false").content.decode()


def test_campaign_page_shows_team_progress(client, town):
    inspect(town, failed=(4,))
    client.force_login(town.office)
    html = client.get(town.campaign.get_absolute_url()).content.decode()
    assert "专项督导检查组第3组" in html and "各检查组进度" in html and "保存分工" in html
    client.force_login(town.inspector5)
    html = client.get(town.campaign.get_absolute_url()).content.decode()
    assert "专项督导检查组第5组" in html and "专项督导检查组第3组" not in html


def test_checklist_versions_page(client, town):
    client.force_login(town.office)
    url = reverse("safety:category_detail", args=[town.ebike.pk])
    resp = client.post(url, {"items": "设置电动自行车集中停放点\n无飞线充电|《消防法》", "note": "精简"})
    assert resp.status_code == 302
    html = client.get(url).content.decode()
    assert "第2版（当前）" in html and "《消防法》" in html
    client.force_login(town.inspector3)
    assert client.post(url, {"items": "x"}).status_code == 403


def test_object_create_outside_scope_is_a_field_error(client, town):
    client.force_login(town.lile_user)
    resp = client.post(reverse("safety:object_create"), {"name": "外海某点", "category": town.ebike.pk,
                                                         "unit": town.waihai.pk, "credit_code": "123"})
    html = resp.content.decode()
    assert resp.status_code == 200 and not InspectedObject.objects.filter(name="外海某点").exists()
    assert "统一社会信用代码" in html or "无权" in html


def test_stats_page(client, town):
    inspect(town, failed=(4,))
    client.force_login(town.office)
    html = client.get(reverse("safety:stats")).content.decode()
    assert "按检查组" in html and "专项督导检查组第3组" in html


def test_inspection_form_preselects_the_running_campaign(client, town):
    client.force_login(town.inspector3)
    form = client.get(reverse("safety:inspection_create", args=[town.site.pk])).context["form"]
    assert form.fields["campaign"].initial == town.campaign
    assert form.fields["team"].initial == town.team3


def test_api_answers_the_users_scope(town):
    from rest_framework.test import APIClient

    mine = inspect(town, failed=(4,)).hazards.get()
    theirs = inspect(town, obj=town.lile_site, failed=(1,), actor=town.inspector5, team=town.team5).hazards.get()
    client = APIClient()
    client.force_authenticate(town.inspector3)
    data = client.get("/api/v1/safety/hazards/").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert [r["code"] for r in rows] == [mine.code]
    assert rows[0]["overdue"] is False and rows[0]["status"] == "found"
    assert client.get(f"/api/v1/safety/hazards/{theirs.pk}/").status_code == 404
    insp = client.get("/api/v1/safety/inspections/").json()
    insp_rows = insp["results"] if isinstance(insp, dict) else insp
    assert len(insp_rows) == 1 and insp_rows[0]["checklist_version"] == 1
    client.force_authenticate(outsider())
    assert client.get("/api/v1/safety/hazards/").status_code == 403


def test_only_teams_open_the_inspection_pages(client, town):
    client.force_login(town.property_user)
    assert client.get(reverse("safety:inspection_start")).status_code == 403
    assert client.get(reverse("safety:inspection_create", args=[town.site.pk])).status_code == 403
    client.force_login(town.inspector3)
    html = client.get(reverse("safety:inspection_start")).content.decode()
    assert town.site.name in html and town.lile_site.name not in html
