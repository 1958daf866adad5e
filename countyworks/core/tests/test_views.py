"""The core pages: the generic view contract applied to each register, plus login, lockout,
CSRF, escaping, navigation and the language switch."""

import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from countyworks.core.audit import audit_log
from countyworks.core.factories import (
    TEST_PASSWORD,
    EnterpriseFactory,
    UserFactory,
    org_tree,
    user_with_role,
)
from countyworks.core.identifiers import random_credit_code
from countyworks.core.models import (
    Attachment,
    AuditAction,
    AuditEntry,
    Enterprise,
    Indicator,
    OrgUnit,
    Programme,
    RoleKind,
    Target,
    User,
)
from countyworks.core.testing import ViewContract, World

pytestmark = pytest.mark.django_db

K = OrgUnit.Kind


def two_subdistricts():
    """江海区 with 礼乐街道 (向前村, 英南村) and 外海街道 (金溪社区)."""
    t = org_tree("a1", "a2", "b1",
                 names={"district": "江海区", "a": "礼乐街道", "b": "外海街道", "a1": "向前村", "a2": "英南村",
                        "b1": "金溪社区"},
                 codes={"district": "440704000000", "a": "440704003000", "b": "440704002000", "a1": "440704003201",
                        "a2": "440704003202", "b1": "440704002001"},
                 kinds={"a2": K.VILLAGE, "b1": K.COMMUNITY})
    return t.district, t.a, t.b, t.a1, t.a2, t.b1


def enterprise_form(ent=None, **overrides):
    data = {
        "name": ent.name if ent else "江门市新登记科技有限公司",
        "credit_code": ent.credit_code if ent else random_credit_code(random.Random(7)),
        "city": "江门",
        "industry": "",
        "size": "small",
        "contact_name": "张三",
        "contact_phone": "0750-3501234",
    }
    data.update(overrides)
    return data


# --- enterprises -------------------------------------------------------------------------------------


class TestEnterpriseViews(ViewContract):
    covers = {"core:enterprise_list", "core:enterprise_detail", "core:enterprise_create", "core:enterprise_update",
              "core:enterprise_attach", "core:attachment_download", "enterprise-list", "enterprise-detail"}

    def make_world(self):
        _, lile, *_ = two_subdistricts()
        own = EnterpriseFactory(name="江门市礼乐新材料有限公司")
        from countyworks.core.services import attachment_add

        attachment = attachment_add(target=own, upload=SimpleUploadedFile("营业执照.pdf", b"%PDF-1.4 test"),
                                    actor=None, caption="营业执照")
        return World(
            permitted=user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, lile),
            outsider=UserFactory(),
            own=own,
            foreign=None,  # the registry is shared: see test_other_units_record_is_404 below
            list_url=reverse("core:enterprise_list"),
            detail_url=lambda e: reverse("core:enterprise_detail", args=[e.pk]),
            create_url=reverse("core:enterprise_create"),
            create_data=enterprise_form(),
            update_url=lambda e: reverse("core:enterprise_update", args=[e.pk]),
            update_data=lambda e: enterprise_form(e, name="江门市礼乐新材料股份有限公司"),
            pages=[lambda e: reverse("core:attachment_download", args=[attachment.pk])],
            actions=[lambda e: reverse("core:enterprise_attach", args=[e.pk])],
            api_list_url=reverse("enterprise-list"),
            api_detail_url=lambda e: reverse("enterprise-detail", args=[e.pk]),
        )

    def test_other_units_record_is_404(self, client, world):
        """Overridden: the enterprise registry is shared by all programmes and units (DESIGN §2),
        so there is no "other unit's enterprise" to hide. What must hold instead: a user of another
        programme in another subdistrict sees the same record, a read-only role cannot edit it,
        and an id that does not exist is a 404."""
        _, _, waihai, *_ = OrgUnit.objects.order_by("path")[:3]
        rural_elsewhere = user_with_role(RoleKind.OPERATOR, Programme.RURAL, waihai)
        client.force_login(rural_elsewhere)
        resp = client.get(world.detail_url(world.own))
        assert resp.status_code == 200 and world.own.name in resp.content.decode()

        leader = user_with_role(RoleKind.LEADER, Programme.INVESTMENT, waihai)
        client.force_login(leader)
        assert client.get(world.detail_url(world.own)).status_code == 200
        assert client.get(world.update_url(world.own)).status_code == 403
        assert client.post(world.update_url(world.own), world.update_data(world.own)).status_code == 403
        assert Enterprise.objects.get(pk=world.own.pk).name == "江门市礼乐新材料有限公司"

        client.force_login(world.permitted)
        missing = Enterprise.objects.order_by("-pk").first().pk + 1000
        assert client.get(world.detail_url(Enterprise(pk=missing))).status_code == 404

    def test_invalid_credit_code_is_a_form_error(self, client, world):
        client.force_login(world.permitted)
        resp = client.post(world.create_url, enterprise_form(credit_code="91440704MA4UWZZZ0X"))
        assert resp.status_code == 200
        assert "统一社会信用代码" in resp.content.decode()
        assert not Enterprise.objects.filter(name="江门市新登记科技有限公司").exists()

    def test_update_audit_entry_has_before_and_after(self, client, world):
        client.force_login(world.permitted)
        client.post(world.update_url(world.own), world.update_data(world.own))
        entry = AuditEntry.objects.filter(action="update", object_id=str(world.own.pk)).get()
        assert entry.changes["name"] == ["江门市礼乐新材料有限公司", "江门市礼乐新材料股份有限公司"]


# --- org units -----------------------------------------------------------------------------------------


def orgunit_form(unit, **overrides):
    data = {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent_id or "",
        "valid_from": "",
        "valid_to": "",
        "sort_order": 0,
    }
    data.update(overrides)
    return data


class TestOrgUnitAdminViews(ViewContract):
    """The 系统管理员 manages the whole tree."""

    covers = {"core:orgunit_list", "core:orgunit_detail", "core:orgunit_create", "core:orgunit_update"}

    def make_world(self):
        district, lile, *_ = two_subdistricts()
        return World(
            permitted=user_with_role(RoleKind.SYSADMIN),
            outsider=UserFactory(),
            own=OrgUnit.objects.get(name="向前村"),
            foreign=None,  # the 系统管理员 sees the whole tree
            list_url=reverse("core:orgunit_list"),
            detail_url=lambda u: reverse("core:orgunit_detail", args=[u.pk]),
            create_url=reverse("core:orgunit_create"),
            create_data={"code": "440704003203", "name": "威东村", "kind": K.VILLAGE, "parent": lile.pk,
                         "valid_from": "", "valid_to": "", "sort_order": 0},
            update_url=lambda u: reverse("core:orgunit_update", args=[u.pk]),
            update_data=lambda u: orgunit_form(u, name="向前村（新）"),
        )

    def test_created_unit_sits_under_its_parent(self, client, world):
        client.force_login(world.permitted)
        client.post(world.create_url, world.create_data)
        unit = OrgUnit.objects.get(code="440704003203")
        assert unit.path.startswith(OrgUnit.objects.get(name="礼乐街道").path) and unit.depth == 2

    def test_programme_operator_cannot_create_or_edit(self, client, world):
        operator = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, OrgUnit.objects.get(name="江海区"))
        client.force_login(operator)
        assert client.get(world.create_url).status_code == 403
        assert client.post(world.create_url, world.create_data).status_code == 403
        assert client.get(world.update_url(world.own)).status_code == 403
        assert not OrgUnit.objects.filter(code="440704003203").exists()


class TestOrgUnitOperatorViews(ViewContract):
    """A programme operator on a subdistrict sees its subtree only."""

    covers = {"core:orgunit_list", "core:orgunit_detail", "orgunit-list", "orgunit-detail"}

    def make_world(self):
        _, lile, *_ = two_subdistricts()
        return World(
            permitted=user_with_role(RoleKind.OPERATOR, Programme.RURAL, lile),
            outsider=UserFactory(),
            own=OrgUnit.objects.get(name="向前村"),
            foreign=OrgUnit.objects.get(name="金溪社区"),
            list_url=reverse("core:orgunit_list"),
            detail_url=lambda u: reverse("core:orgunit_detail", args=[u.pk]),
            read_only_views=True,  # operators read the org tree; only the system administrator edits it
            api_list_url=reverse("orgunit-list"),
            api_detail_url=lambda u: reverse("orgunit-detail", args=[u.pk]),
        )

    def test_subtree_only(self, client, world):
        client.force_login(world.permitted)
        text = client.get(world.list_url).content.decode()
        for name in ("礼乐街道", "向前村", "英南村"):
            assert name in text
        for name in ("外海街道", "金溪社区"):
            assert name not in text
        assert client.get(reverse("core:orgunit_detail", args=[OrgUnit.objects.get(name="外海街道").pk])).status_code == 404
        # the parent district is above the scope: not shown either
        assert client.get(reverse("core:orgunit_detail", args=[OrgUnit.objects.get(name="江海区").pk])).status_code == 404

    def test_cannot_edit(self, client, world):
        client.force_login(world.permitted)
        assert client.get(reverse("core:orgunit_create")).status_code == 403
        assert client.get(reverse("core:orgunit_update", args=[world.own.pk])).status_code == 403


# --- targets -----------------------------------------------------------------------------------------------


class TestTargetViews(ViewContract):
    covers = {"core:target_list", "core:target_create"}

    def make_world(self):
        _, lile, _, xiangqian, yingnan, jinxi = two_subdistricts()
        ind = Indicator.objects.create(code="t_inv_100m", name="测试指标：亿元以上项目数", programme=Programme.INVESTMENT, unit_label="个")
        return World(
            permitted=user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, lile),
            outsider=UserFactory(),
            own=Target.objects.create(unit=xiangqian, indicator=ind, year=2024, value=12),
            foreign=Target.objects.create(unit=jinxi, indicator=ind, year=2024, value=7),
            list_url=reverse("core:target_list"),
            create_url=reverse("core:target_create"),
            create_data={"year": 2024, "unit": yingnan.pk, "indicator": ind.pk, "value": "5"},
            list_text=lambda t: t.unit.name,
        )

    def test_target_outside_scope_is_refused(self, client, world):
        client.force_login(world.permitted)
        data = {**world.create_data, "unit": world.foreign.unit_id, "value": "99"}
        resp = client.post(world.create_url, data)
        assert resp.status_code == 200  # the form says the unit is not a valid choice
        assert Target.objects.get(pk=world.foreign.pk).value == 7

    def test_operator_may_not_set_targets(self, client, world):
        operator = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, world.own.unit.parent)
        client.force_login(operator)
        assert client.get(world.list_url).status_code == 200
        assert client.get(world.create_url).status_code == 403
        assert client.post(world.create_url, world.create_data).status_code == 403
        assert Target.objects.count() == 2

    def test_list_offers_only_units_in_scope(self, client, world):
        """The unit filter must not name units outside the user's scope (no hint they exist)."""
        client.force_login(world.permitted)
        text = client.get(world.list_url).content.decode()
        assert "向前村" in text and "外海街道" not in text and "金溪社区" not in text


# --- users (系统管理员) --------------------------------------------------------------------------------------


def user_form(user, **overrides):
    data = {"username": user.username, "full_name": user.full_name, "unit": user.unit_id or "",
            "phone": user.phone, "email": user.email, "is_active": "on"}
    data.update(overrides)
    return data


class TestUserAdminViews(ViewContract):
    covers = {"core:user_list", "core:user_detail", "core:user_create", "core:user_update", "core:user_roles",
              "core:user_password"}

    def make_world(self):
        _, lile, *_ = two_subdistricts()
        return World(
            permitted=user_with_role(RoleKind.SYSADMIN),
            outsider=user_with_role(RoleKind.AUDITOR),  # holds a role, but not this one
            own=UserFactory(username="lile_clerk", full_name="礼乐文员"),
            list_url=reverse("core:user_list"),
            detail_url=lambda u: reverse("core:user_detail", args=[u.pk]),
            create_url=reverse("core:user_create"),
            create_data={"username": "new_clerk", "full_name": "新文员", "unit": lile.pk, "phone": "", "email": "",
                         "is_active": "on", "password1": "Jianghai#Clerk77", "password2": "Jianghai#Clerk77"},
            update_url=lambda u: reverse("core:user_update", args=[u.pk]),
            update_data=lambda u: user_form(u, full_name="礼乐文员（调岗）"),
            list_text=lambda u: u.username,
            actions=[(lambda u: reverse("core:user_roles", args=[u.pk]),
                      {"kind": RoleKind.MANAGER, "programme": Programme.INVESTMENT, "unit": lile.pk}),
                     (lambda u: reverse("core:user_password", args=[u.pk]),
                      {"password1": "Jianghai#Reset88", "password2": "Jianghai#Reset88"})],
        )

    def test_others_get_403(self, client, world):
        for user in (UserFactory(),
                     user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, OrgUnit.objects.get(name="江海区"))):
            client.force_login(user)
            assert client.get(world.list_url).status_code == 403
            assert client.post(world.create_url, world.create_data).status_code == 403
        client.force_login(user_with_role(RoleKind.SECADMIN))  # manages the 三员 accounts, creates none
        assert client.get(world.list_url).status_code == 200
        assert client.post(world.create_url, world.create_data).status_code == 403
        assert not User.objects.filter(username="new_clerk").exists()

    def test_created_account_can_log_in(self, client, world):
        client.force_login(world.permitted)
        client.post(world.create_url, world.create_data)
        client.logout()
        resp = Client().post(reverse("login"), {"username": "new_clerk", "password": "Jianghai#Clerk77"})
        assert resp.status_code == 302 and resp["Location"] == reverse("home")

    def test_weak_password_is_refused(self, client, world):
        client.force_login(world.permitted)
        resp = client.post(world.create_url, {**world.create_data, "password1": "12345678901",
                                              "password2": "12345678901"})
        assert resp.status_code == 200
        assert not User.objects.filter(username="new_clerk").exists()


# --- audit log (审计员) ------------------------------------------------------------------------------------


class TestAuditViews(ViewContract):
    covers = {"core:audit_list", "core:audit_detail", "core:audit_verify"}

    def make_world(self):
        seq = audit_log(action=AuditAction.UPDATE, object_type="core.enterprise", object_id="1",
                        object_repr="江门市审计对象有限公司", message="测试").seq
        entry = AuditEntry.objects.get(seq=seq)
        return World(
            permitted=user_with_role(RoleKind.AUDITOR),
            outsider=user_with_role(RoleKind.SYSADMIN),  # separation of duties: the admin may not read it
            own=entry,
            list_url=reverse("core:audit_list"),
            detail_url=lambda e: reverse("core:audit_detail", args=[e.pk]),
            list_text=lambda e: e.object_repr,
            read_only_views=True,  # the audit log is append-only: nobody edits an entry
            actions=[lambda e: reverse("core:audit_verify")],
        )

    def test_security_admin_and_programme_users_get_403(self, client, world):
        for user in (user_with_role(RoleKind.SECADMIN), user_with_role(RoleKind.MANAGER, Programme.INVESTMENT)):
            client.force_login(user)
            assert client.get(world.list_url).status_code == 403
            assert client.get(world.detail_url(world.own)).status_code == 403

    def test_verify_button_reports_tampering(self, client, world):
        client.force_login(world.permitted)
        resp = client.post(reverse("core:audit_verify"), follow=True)
        assert "审计日志链完整" in resp.content.decode()
        AuditEntry.objects.filter(pk=world.own.pk).update(message="改过")
        resp = client.post(reverse("core:audit_verify"), follow=True)
        assert "审计日志链被破坏" in resp.content.decode()


# --- login, lockout, CSRF, escaping, navigation, language ------------------------------------------------


def test_login_page_renders(client):
    resp = client.get(reverse("login"))
    assert resp.status_code == 200
    assert 'name="username"' in resp.content.decode() and 'name="password"' in resp.content.decode()


def test_login_with_right_password(client):
    user = UserFactory(username="lile_zs")
    resp = client.post(reverse("login"), {"username": "lile_zs", "password": TEST_PASSWORD})
    assert resp.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor=user).exists()


def test_five_failed_logins_lock_the_account(client):
    UserFactory(username="lile_zs")
    for _ in range(5):
        resp = client.post(reverse("login"), {"username": "lile_zs", "password": "wrong-password"})
        assert "_auth_user_id" not in client.session
    # now even the right password is refused
    resp = client.post(reverse("login"), {"username": "lile_zs", "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session
    assert resp.status_code in (403, 429)
    assert "锁定" in resp.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, actor_name="lile_zs").count() >= 5
    assert AuditEntry.objects.filter(action=AuditAction.LOCKOUT, actor_name="lile_zs").exists()


def test_csrf_is_enforced():
    user = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = reverse("core:enterprise_create")
    assert client.post(url, enterprise_form()).status_code == 403
    assert not Enterprise.objects.exists()
    client.get(url)  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.post(url, {**enterprise_form(), "csrfmiddlewaretoken": token}).status_code == 302
    assert Enterprise.objects.count() == 1


def test_login_form_needs_csrf_token():
    UserFactory(username="lile_zs")
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("login"), {"username": "lile_zs", "password": TEST_PASSWORD}).status_code == 403


def test_user_text_is_escaped(client):
    ent = EnterpriseFactory(name="<script>alert('x')</script>江门市恶意有限公司", contact_name="<b>李四</b>")
    client.force_login(user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT))
    for url in (reverse("core:enterprise_list"), reverse("core:enterprise_detail", args=[ent.pk])):
        text = client.get(url).content.decode()
        assert "<script>alert(" not in text, url
        assert "&lt;script&gt;alert(" in text, url
    assert "<b>李四</b>" not in client.get(reverse("core:enterprise_detail", args=[ent.pk])).content.decode()


@pytest.mark.parametrize(
    ("kind", "sees_audit"),
    [(RoleKind.AUDITOR, True), (RoleKind.SYSADMIN, False), (RoleKind.SECADMIN, False), (RoleKind.MANAGER, False)],
)
def test_navigation_shows_audit_log_only_to_auditor(client, kind, sees_audit):
    client.force_login(user_with_role(kind))
    text = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("core:audit_list")}"' in text) is sees_audit
    assert ("审计日志" in text) is sees_audit


def test_language_switch_to_english(client):
    client.force_login(user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT))
    resp = client.post(reverse("set_language"), {"language": "en", "next": reverse("core:enterprise_list")})
    assert resp.status_code == 302 and resp["Location"] == reverse("core:enterprise_list")
    resp = client.get(reverse("core:enterprise_list"))
    assert resp.status_code == 200
    assert '<html lang="en">' in resp.content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get(reverse("home")).content.decode()


def test_attachment_upload_and_download(client):
    ent = EnterpriseFactory()
    operator = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT)
    client.force_login(operator)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    url = reverse("core:enterprise_attach", args=[ent.pk])
    resp = client.post(url, {"file": SimpleUploadedFile("厂区.png", png), "caption": "门口"}, follow=True)
    assert "附件已上传" in resp.content.decode() and "厂区.png" in resp.content.decode()
    resp = client.post(url, {"file": SimpleUploadedFile("病毒.exe", b"MZ")}, follow=True)
    assert "不支持的文件类型" in resp.content.decode()
    att = Attachment.objects.get()
    download = reverse("core:attachment_download", args=[att.pk])
    resp = client.get(download)
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == png
    client.force_login(UserFactory())  # no programme role: the record is not visible
    assert client.get(download).status_code == 404
    assert client.post(url, {"file": SimpleUploadedFile("b.png", png)}).status_code == 403
    assert Attachment.objects.count() == 1


def test_security_admin_unlocks_a_locked_account(client):
    UserFactory(username="lile_zs")
    for _ in range(5):
        client.post(reverse("login"), {"username": "lile_zs", "password": "wrong-password"})
    sysadmin = user_with_role(RoleKind.SYSADMIN)
    staff = Client()
    staff.force_login(sysadmin)
    assert staff.post(reverse("core:security"), {"username": "lile_zs"}).status_code == 403
    staff.force_login(user_with_role(RoleKind.SECADMIN))
    assert staff.post(reverse("core:security"), {"username": "lile_zs"}).status_code == 302
    assert AuditEntry.objects.filter(action=AuditAction.SECURITY, object_repr="lile_zs").exists()
    resp = client.post(reverse("login"), {"username": "lile_zs", "password": TEST_PASSWORD})
    assert resp.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.django_db
def test_the_second_of_two_editors_is_refused_and_nothing_of_it_is_written(client):
    """Both open the enterprise's edit page; the first saves; the second's save is refused with
    who changed it, and the first's change stands."""
    import re

    from countyworks.core.factories import EnterpriseFactory, user_with_role
    from countyworks.core.models import Enterprise, RoleKind

    ent = EnterpriseFactory(name="某某科技有限公司")
    first, second = user_with_role(RoleKind.OPERATOR), user_with_role(RoleKind.OPERATOR)
    url = reverse("core:enterprise_update", args=[ent.pk])
    forms = {}
    for user in (first, second):
        client.force_login(user)
        page = client.get(url).content.decode()
        forms[user.pk] = re.search(r'name="record_version" value="([0-9a-f]+)"', page).group(1)
    data = {"name": "某某科技股份有限公司", "credit_code": ent.credit_code, "city": ent.city or "",
            "industry": ent.industry_id or "", "size": ent.size or "", "contact_name": "", "contact_phone": ""}
    client.force_login(first)
    resp = client.post(url, {**data, "record_version": forms[first.pk]})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    client.force_login(second)
    resp = client.post(url, {**data, "name": "另一个名字有限公司", "record_version": forms[second.pk]})
    page = resp.content.decode()
    assert resp.status_code == 200 and "该记录已被他人修改" in page and first.username in page
    assert Enterprise.objects.get(pk=ent.pk).name == "某某科技股份有限公司"


@pytest.mark.django_db
def test_audit_viewer_speaks_chinese_and_exports_local_time_with_before_and_after(client):
    import io

    import openpyxl

    from countyworks.core.factories import EnterpriseFactory, user_with_role
    from countyworks.core.models import RoleKind

    ent = EnterpriseFactory(name="某某机械有限公司")
    audit_log(action="update", obj=ent, actor=None, changes={"name": ["旧名称有限公司", "某某机械有限公司"]})
    client.force_login(user_with_role(RoleKind.AUDITOR))
    page = client.get(reverse("core:audit_list")).content.decode()
    assert '<option value="core.enterprise">企业</option>' in page or ">企业<" in page
    assert "core.enterprise" not in page.split("<tbody")[1].split("</tbody>")[0]
    resp = client.get(reverse("core:audit_list") + "?object_type=core.enterprise&export=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.values)
    header = list(rows[0])
    assert "修改前" in header and "修改后" in header
    row = dict(zip(header, rows[1], strict=False))
    assert row["修改前"] == "企业名称：旧名称有限公司" and row["修改后"] == "企业名称：某某机械有限公司"
    at = str(row[header[1]])
    assert len(at) == 19 and "." not in at  # local time, to the second


class TestSecurityViews(ViewContract):
    """The 安全保密管理员's page: locked accounts and the unlocking of them."""

    covers = {"core:security"}

    def make_world(self):
        return World(
            permitted=user_with_role(RoleKind.SECADMIN),
            outsider=user_with_role(RoleKind.SYSADMIN),  # separation of duties: the admin does not unlock
            own=UserFactory(username="locked_clerk"),
            pages=[reverse("core:security")],
            actions=[(lambda u: reverse("core:security"), {"username": "locked_clerk"})],
            writes_tested_by="test_security_admin_unlocks_a_locked_account",
        )


# --- leading cadres (包抓领导) ----------------------------------------------------------------------------


class TestPersonViews(ViewContract):
    """The register of leading cadres: read by every programme user, kept by the managers of the
    units in their scope."""

    covers = {"core:person_list", "core:person_create", "core:person_update"}

    def make_world(self):
        from countyworks.core.factories import PersonFactory
        from countyworks.core.models import Person

        district, lile, waihai, *_ = two_subdistricts()
        self.other = PersonFactory(name="外海书记", post="街道党工委书记", unit=waihai)
        data = {"name": "李礼乐", "post": "街道党工委副书记、办事处主任", "unit": lile.pk, "user": "",
                "active": "on", "sort_order": 0}
        return World(
            permitted=user_with_role(RoleKind.MANAGER, Programme.RURAL, lile),
            outsider=UserFactory(),
            own=PersonFactory(name="陈礼乐", post="街道党工委书记", unit=lile),
            foreign=None,  # the register is read by all programme users: see the test below for writes
            list_url=reverse("core:person_list"),
            create_url=reverse("core:person_create"), create_data=data,
            update_url=lambda p: reverse("core:person_update", args=[p.pk]),
            update_data=lambda p: {**data, "name": p.name, "post": "街道党工委书记（兼）"},
            list_text=lambda p: p.name,
            model=Person, created_fields={"name": "李礼乐", "post": "街道党工委副书记、办事处主任", "unit_id": lile.pk},
            foreign_create_data={**data, "unit": waihai.pk},
            read_only=user_with_role(RoleKind.LEADER, Programme.RURAL, district),
        )

    def test_another_units_person_is_not_editable(self, client, world):
        client.force_login(world.permitted)
        url = reverse("core:person_update", args=[self.other.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "改名", "post": "x", "unit": self.other.unit_id}).status_code == 404
        assert client.get(world.list_url).content.decode().count("外海书记") == 1  # but it is listed

    def test_post_is_required(self, client, world):
        client.force_login(world.permitted)
        resp = client.post(world.create_url, {**world.create_data, "post": ""})
        assert resp.status_code == 200 and "post" in resp.context["form"].errors
