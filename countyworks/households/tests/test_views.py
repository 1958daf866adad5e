"""Pages: the view contract (scope, roles, audit), masking on every page and export, the audited
reveal, search by POST, the procedure pages."""

import io
from datetime import date

import pytest
from django.urls import reverse

from countyworks.core.factories import UserFactory
from countyworks.core.models import AuditEntry
from countyworks.core.testing import ViewContract, World
from countyworks.households import services
from countyworks.households.models import Elimination, Household, Identification

from .conftest import make_household, new_id

PHONE, BANK = "13812345678", "6222021234561234"


class TestHouseholdViews(ViewContract):
    covers = {"households:household_list", "households:household_detail", "households:household_create",
              "households:household_update", "households:reveal", "household-list", "household-detail"}

    @pytest.fixture
    def world(self, hh):
        self.hh = hh
        own = make_household(hh.operator, hh.village, head_name="陈大文")
        foreign = make_household(hh.other_operator, hh.other_village, head_name="黄小英")
        return World(
            permitted=hh.operator, outsider=UserFactory(), own=own, foreign=foreign,
            list_url=reverse("households:household_list"),
            detail_url=lambda x: reverse("households:household_detail", args=[x.pk]),
            create_url=reverse("households:household_create"),
            create_data={"unit": hh.village.pk, "head_name": "李四", "head_id_number": new_id(), "phone": "13900001234",
                         "category": "ordinary", "channel": "self"},
            update_url=lambda x: reverse("households:household_update", args=[x.pk]),
            update_data=lambda x: {"head_name": x.head_name, "address": "第二村民小组", "category": "edge",
                                   "channel": "cadre", "bank_name": "农商银行"},
            list_text=lambda x: x.code,
            read_only=hh.leader,
            # the operator may not reveal: the reveal is refused to them, the leader and outsiders alike
            actions=[(lambda x: reverse("households:reveal", args=["household", x.pk, "phone"]), {"reason": "核对"})],
            api_list_url=reverse("household-list"),
            api_detail_url=lambda x: reverse("household-detail", args=[x.pk]),
        )


class TestHouseholdSearchViews(ViewContract):
    """Search by an ID or phone number is a POST (no numbers in URLs) within the searcher's scope."""

    covers = {"households:search"}

    @pytest.fixture
    def world(self, hh):
        own = make_household(hh.operator, hh.village, head_name="陈大文", phone=PHONE)
        return World(
            permitted=hh.operator, outsider=UserFactory(), own=own,
            actions=[(lambda x: reverse("households:search"), {"number": PHONE})],
            read_only_views=True,  # a search writes nothing
        )


class TestProcedureViews(ViewContract):
    """The identification and elimination procedures, the notice, the lines and the statistics."""

    covers = {"households:identification_list", "households:identification_detail", "households:notice",
              "households:elimination_list", "households:elimination_detail", "households:lines",
              "households:stats"}

    @pytest.fixture
    def world(self, hh):
        own_h = make_household(hh.operator, hh.village, head_name="陈大文")
        foreign_h = make_household(hh.other_operator, hh.other_village, head_name="黄小英")
        own, foreign = (services.identification_start(actor=None, household=h, proposed_category="edge",
                                                      reason="因病支出大") for h in (own_h, foreign_h))
        Identification.objects.filter(pk__in=[own.pk, foreign.pk]).update(notice_from=date(2024, 3, 10),
                                                                                notice_to=date(2024, 3, 16))
        own.refresh_from_db()
        elims = [Elimination.objects.create(household=h, started_on=date(2024, 3, 1), reason="收入稳定")
                 for h in (own_h, foreign_h)]
        by_household = {e.household_id: e for e in elims}
        return World(
            permitted=hh.operator, outsider=UserFactory(), own=own, foreign=foreign,
            list_url=reverse("households:identification_list"),
            detail_url=lambda c: reverse("households:identification_detail", args=[c.pk]),
            list_text=lambda c: c.household.code,
            pages=[lambda c: reverse("households:notice", args=[c.pk, "docx"]),
                   lambda c: reverse("households:elimination_detail", args=[by_household[c.household_id].pk]),
                   reverse("households:elimination_list"), reverse("households:lines"),
                   reverse("households:stats")],
            read_only=hh.leader,
            writes_tested_by="countyworks.households.tests.test_flows::test_elimination_conditions_and_flow",
        )


@pytest.fixture
def household(hh):
    return make_household(hh.operator, hh.village, head_name="陈大文", phone=PHONE, bank_account=BANK,
                          head_health="慢性肾病")


def test_masked_on_list_detail_and_export(client, hh, household):
    idn = household.members.get().id_number
    client.force_login(hh.manager)
    for url in (reverse("households:household_list"), household.get_absolute_url()):
        page = client.get(url).content.decode()
        for plain in (idn, PHONE, BANK, "慢性肾病"):
            assert plain not in page, url
    detail = client.get(household.get_absolute_url()).content.decode()
    assert f"{idn[:4]}**********{idn[-4:]}" in detail
    assert "138****5678" in detail and "************1234" in detail
    resp = client.get(reverse("households:household_list") + "?export=xlsx")
    import openpyxl

    from countyworks.core.spreadsheets import read_table  # noqa: F401

    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    cells = " ".join(str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None)
    assert PHONE not in cells and "138****5678" in cells
    assert "导出人：" in cells and hh.manager.username in cells
    assert AuditEntry.objects.filter(action="export", actor=hh.manager).exists()


def test_reveal_with_reason_is_audited(client, hh, household):
    member = household.members.get()
    url = reverse("households:reveal", args=["member", member.pk, "id_number"])
    client.force_login(hh.reviewer)
    assert member.id_number not in client.get(url).content.decode()
    resp = client.post(url, {"reason": ""})
    assert member.id_number not in resp.content.decode() and "查看理由" in resp.content.decode()
    resp = client.post(url, {"reason": "核对低保申请材料"})
    assert member.id_number in resp.content.decode()
    assert "no-store" in resp["Cache-Control"] or "no-cache" in resp["Cache-Control"]
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.actor == hh.reviewer and "核对低保申请材料" in entry.message and "身份证号" in entry.message
    assert member.id_number not in f"{entry.changes}{entry.message}{entry.object_repr}"


def test_reveal_refused_for_operator_and_leader_and_other_units(client, hh, household):
    url = reverse("households:reveal", args=["household", household.pk, "phone"])
    for user in (hh.operator, hh.leader):
        client.force_login(user)
        assert client.post(url, {"reason": "想看"}).status_code == 403
    client.force_login(hh.other_operator)
    assert client.post(url, {"reason": "想看"}).status_code == 404
    client.force_login(hh.reviewer)
    assert client.get(reverse("households:reveal", args=["household", household.pk, "head_name"])).status_code == 404
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_detail_offers_reveal_only_to_permitted_roles(client, hh, household):
    client.force_login(hh.operator)
    assert "查看完整信息" not in client.get(household.get_absolute_url()).content.decode()
    client.force_login(hh.reviewer)
    assert "查看完整信息" in client.get(household.get_absolute_url()).content.decode()


def test_search_by_post_only_within_scope(client, hh, household):
    idn = household.members.get().id_number
    client.force_login(hh.operator)
    resp = client.post(reverse("households:search"), {"number": idn})
    assert resp.status_code == 302 and resp["Location"] == household.get_absolute_url()
    assert client.get(reverse("households:search") + f"?number={idn}").status_code == 302  # GET never searches
    resp = client.post(reverse("households:search"), {"number": PHONE})
    assert resp["Location"] == household.get_absolute_url()
    client.force_login(hh.other_operator)
    resp = client.post(reverse("households:search"), {"number": idn})
    assert resp.status_code == 200 and "没有找到" in resp.content.decode()
    # a GET filter with an ID number finds nothing (no ID numbers in URLs)
    client.force_login(hh.operator)
    page = client.get(reverse("households:household_list") + f"?q={idn}").content.decode()
    assert household.code not in page.split("row-count")[1]


def test_detail_forms_add_member_income_risk(client, hh, household):
    client.force_login(hh.operator)
    url = household.get_absolute_url()
    bad = new_id()[:17] + ("0" if new_id()[17] != "0" else "1")
    resp = client.post(url, {"form": "member", "m-name": "陈小明", "m-relation": "child", "m-id_number": "44070420100101001X"})
    assert resp.status_code == 200 and "校验位" in resp.content.decode() or "出生日期" in resp.content.decode()
    resp = client.post(url, {"form": "member", "m-name": "陈小明", "m-relation": "child", "m-id_number": new_id()})
    assert resp.status_code == 302 and household.members.count() == 2
    resp = client.post(url, {"form": "income", "i-year": "2023", "i-per_capita": "-5"})
    assert resp.status_code == 200 and household.incomes.count() == 0
    resp = client.post(url, {"form": "risk", "r-kind": "disaster", "r-occurred_on": "2024-02-01", "r-amount": "12000",
                             "r-detail": "台风损毁房屋"})
    assert resp.status_code == 302
    household.refresh_from_db()
    assert household.at_risk and "灾害" in household.risk_reasons
    page = client.get(url).content.decode()
    assert "存在风险：灾害" in page and "台风损毁房屋" not in page
    del bad


def test_other_units_household_forms_404(client, hh, household):
    client.force_login(hh.other_operator)
    resp = client.post(household.get_absolute_url(), {"form": "income", "i-year": "2023", "i-per_capita": "100"})
    assert resp.status_code == 404


def test_leader_reads_but_cannot_write(client, hh, household):
    client.force_login(hh.leader)
    assert client.get(household.get_absolute_url()).status_code == 200
    resp = client.post(household.get_absolute_url(), {"form": "income", "i-year": "2023", "i-per_capita": "100"})
    assert resp.status_code == 403


def test_procedure_through_the_pages(client, hh, household, settings):
    client.force_login(hh.operator)
    resp = client.post(household.get_absolute_url(), {"form": "identify", "id-proposed_category": "sudden",
                                                      "id-reason": "突发火灾"})
    case = Identification.objects.get()
    assert resp["Location"] == case.get_absolute_url()
    for name in ("verify", "consent", "compare", "deliberate", "publish"):
        page = client.get(case.get_absolute_url()).content.decode()
        assert f'value="{name}"' in page
        client.post(case.get_absolute_url(), {"transition": name, "state": Identification.objects.get().status})
    case.refresh_from_db()
    assert case.status == "publicized"
    doc = client.get(reverse("households:notice", args=[case.pk, "docx"]))
    assert doc.status_code == 200 and doc.content[:2] == b"PK"
    import shutil

    if shutil.which("soffice"):  # the same notice as PDF (make browser-deps installs LibreOffice)
        pdf = client.get(reverse("households:notice", args=[case.pk, "pdf"]))
        assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    client.force_login(hh.reviewer)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "town_review" not in page and "不少于5天" in page
    settings.COUNTYWORKS_TODAY = "2024-03-25"
    resp = client.post(case.get_absolute_url(), {"transition": "town_review", "state": "publicized"})
    assert resp.status_code == 302
    # stale form: a second post of the same step is refused with a message, not a 500
    resp = client.post(case.get_absolute_url(), {"transition": "town_review", "state": "publicized"}, follow=True)
    assert "已被他人改为" in resp.content.decode()
    client.force_login(hh.operator)
    assert client.post(case.get_absolute_url(), {"transition": "confirm", "state": "town_reviewed"}).status_code == 403
    client.force_login(hh.manager)
    client.post(case.get_absolute_url(), {"transition": "confirm", "state": "town_reviewed"})
    assert Household.objects.get(pk=household.pk).status == "monitored"
    client.force_login(hh.other_operator)
    assert client.get(case.get_absolute_url()).status_code == 404


def test_notice_document_carries_no_identifier(client, hh, household):
    import docx

    case = services.identification_start(actor=hh.operator, household=household, proposed_category="edge",
                                         reason="因病")
    for name in ("verify", "consent", "compare", "deliberate", "publish"):
        services.identification_move(actor=hh.operator, case=case, name=name)
    client.force_login(hh.operator)
    resp = client.get(reverse("households:notice", args=[case.pk, "docx"]))
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(resp.content)).paragraphs)
    assert "陈大文" in text and "向前村" in text and "边缘易致贫户" in text and "2024年3月20日至2024年3月25日" in text
    idn = household.members.get().id_number
    for plain in (idn, PHONE, BANK, "慢性肾病"):
        assert plain not in text


def test_case_lists_show_clock(client, hh, household):
    services.identification_start(actor=hh.operator, household=household, proposed_category="edge", reason="因病",
                                  started_on=date(2024, 3, 1))
    client.force_login(hh.operator)
    page = client.get(reverse("households:identification_list")).content.decode()
    assert 'data-clock="red"' in page and "已超期4天" in page
    page = client.get(reverse("households:identification_list") + "?overdue=true").content.decode()
    assert household.code in page


def test_lines_page(client, hh):
    client.force_login(hh.operator)
    assert client.post(reverse("households:lines"), {"year": 2023, "amount": "7000"}).status_code == 403
    client.force_login(hh.manager)
    resp = client.post(reverse("households:lines"), {"year": 2023, "amount": "7000"})
    assert resp.status_code == 302
    client.force_login(hh.operator)
    assert "7,000" in client.get(reverse("households:lines")).content.decode() or \
        "7000" in client.get(reverse("households:lines")).content.decode()


def test_erase_personal_data(client, hh, household):
    idn = household.members.get().id_number
    client.force_login(hh.operator)
    assert client.post(household.get_absolute_url(), {"form": "erase", "er-reason": "x", "er-confirm": "on"}).status_code == 403
    client.force_login(hh.manager)
    resp = client.post(household.get_absolute_url(), {"form": "erase", "er-reason": "户籍注销，依法删除", "er-confirm": "on"})
    assert resp.status_code == 302
    h = Household.objects.get(pk=household.pk)
    assert h.erased_at and h.head_name == "（已删除）" and not h.phone and not h.members.exists()
    assert not services.find_by_id_number(idn).exists()
    from countyworks.core.audit import audit_verify

    assert audit_verify().ok


def test_create_form_errors_in_chinese_next_to_the_field(client, hh):
    client.force_login(hh.operator)
    good = new_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    data = {"unit": hh.village.pk, "head_name": "李四", "head_id_number": bad, "category": "ordinary", "channel": "self",
            "phone": "12345"}
    resp = client.post(reverse("households:household_create"), data)
    assert resp.status_code == 200
    assert "校验位不正确" in str(resp.context["form"].errors.get("head_id_number"))
    data.update(head_id_number=good, unit=hh.other_village.pk)
    resp = client.post(reverse("households:household_create"), data)
    assert resp.status_code == 200 and "unit" in resp.context["form"].errors  # another unit's village: not a choice
    data.update(unit=hh.village.pk)
    resp = client.post(reverse("households:household_create"), data)
    assert "电话" in str(resp.context["form"].errors) or "手机" in str(resp.context["form"].errors)
    assert not Household.objects.exists()


def test_api_masked_and_scoped(hh, household):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    other = make_household(hh.other_operator, hh.other_village, head_name="黄小英")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=hh.manager).key}")
    resp = client.get("/api/v1/households/households/")
    body = resp.content.decode()
    assert resp.status_code == 200
    idn = household.members.get().id_number
    for plain in (idn, PHONE, BANK, "慢性肾病"):
        assert plain not in body
    assert "138****5678" in body and f"{idn[:4]}**********{idn[-4:]}" in body
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=hh.operator).key}")
    ids = [h["id"] for h in client.get("/api/v1/households/households/").json()["results"]]
    assert ids == [household.pk]
    assert client.get(f"/api/v1/households/households/{other.pk}/").status_code == 404


def test_members_measures_and_visits_through_the_page(client, hh, household):
    from countyworks.households.models import Measure

    client.force_login(hh.operator)
    url = household.get_absolute_url()
    client.post(url, {"form": "member", "m-name": "陈小明", "m-relation": "child", "m-id_number": new_id()})
    child = household.members.get(relation="child")
    head = household.members.get(relation="head")
    assert client.post(url, {"form": "member_remove", "mr-member": head.pk, "mr-reason": "x"}).status_code == 200
    assert household.members.count() == 2  # the head cannot be removed
    assert client.post(url, {"form": "member_remove", "mr-member": child.pk, "mr-reason": "迁出"}).status_code == 302
    assert household.members.count() == 1
    resp = client.post(url, {"form": "measure", "ms-kind": "employment", "ms-description": "推荐到工业园务工",
                             "ms-cadre": "张三", "ms-started_on": "2024-03-01"})
    assert resp.status_code == 302
    m = Measure.objects.get()
    client.post(url, {"form": "measure_result", "mo-measure": m.pk, "mo-result": "月收入3500元"})
    assert Measure.objects.get().result == "月收入3500元"
    resp = client.post(url, {"form": "visit", "v-visited_on": "2024-04-01", "v-visitor": "张三", "v-notes": "x"})
    assert resp.status_code == 200 and "晚于今天" in resp.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")
    resp = client.post(url, {"form": "visit", "v-visited_on": "2024-03-18", "v-visitor": "张三",
                             "v-notes": "家中老人住院", "v-photo": png})
    assert resp.status_code == 302
    page = client.get(url).content.decode()
    assert "家中老人住院" not in page and "照片" in page
