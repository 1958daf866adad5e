"""The core services: every write goes through them, so their rules are what users meet."""

import hashlib
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from countyworks.core import services
from countyworks.core.factories import EnterpriseFactory, OrgUnitFactory, UserFactory, user_with_role
from countyworks.core.identifiers import random_credit_code
from countyworks.core.models import (
    Attachment,
    AuditAction,
    AuditEntry,
    Enterprise,
    Indicator,
    OrgUnit,
    Programme,
    Role,
    RoleKind,
    Target,
)

pytestmark = pytest.mark.django_db

K = OrgUnit.Kind
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def admin():
    return user_with_role(RoleKind.SYSADMIN)


@pytest.fixture
def tree(admin):
    """江海区 → 礼乐街道 → 向前村, 英南村; 江海区 → 外海街道 → 金溪社区 (built through the service)."""
    mk = services.orgunit_create
    district = mk(actor=admin, code="440704000000", name="江海区", kind=K.DISTRICT)
    lile = mk(actor=admin, code="440704003000", name="礼乐街道", kind=K.SUBDISTRICT, parent=district)
    waihai = mk(actor=admin, code="440704002000", name="外海街道", kind=K.SUBDISTRICT, parent=district)
    return {
        "district": district,
        "lile": lile,
        "waihai": waihai,
        "xiangqian": mk(actor=admin, code="440704003201", name="向前村", kind=K.VILLAGE, parent=lile),
        "yingnan": mk(actor=admin, code="440704003202", name="英南村", kind=K.VILLAGE, parent=lile),
        "jinxi": mk(actor=admin, code="440704002001", name="金溪社区", kind=K.COMMUNITY, parent=waihai),
    }


def fresh(unit):
    return OrgUnit.objects.get(pk=unit.pk)


# --- org units ----------------------------------------------------------------------------------------


def test_orgunit_create_sets_path_and_depth(tree):
    d, lile, xq = tree["district"], tree["lile"], tree["xiangqian"]
    assert d.path == f"/{d.pk}/" and d.depth == 0
    assert lile.path == f"/{d.pk}/{lile.pk}/" and lile.depth == 1
    assert xq.path == f"/{d.pk}/{lile.pk}/{xq.pk}/" and xq.depth == 2
    assert list(xq.ancestors().values_list("name", flat=True)) == ["江海区", "礼乐街道", "向前村"]


def test_orgunit_create_needs_sysadmin(tree):
    manager = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, tree["district"])
    with pytest.raises(PermissionDenied):
        services.orgunit_create(actor=manager, code="X1", name="某单位", kind=K.BUREAU)
    assert not OrgUnit.objects.filter(code="X1").exists()


def test_orgunit_create_rejects_duplicate_code_and_bad_dates(tree, admin):
    with pytest.raises(ValidationError) as exc:
        services.orgunit_create(actor=admin, code="440704003000", name="重复", kind=K.SUBDISTRICT)
    assert "code" in exc.value.error_dict
    import datetime as dt

    with pytest.raises(ValidationError) as exc:
        services.orgunit_create(actor=admin, code="X2", name="某单位", kind=K.BUREAU,
                                valid_from=dt.date(2024, 3, 1), valid_to=dt.date(2024, 1, 1))
    assert "停用日期不能早于启用日期" in str(exc.value)


def test_orgunit_update_renames_without_touching_paths(tree, admin):
    before = {u.pk: u.path for u in OrgUnit.objects.all()}
    services.orgunit_update(unit=tree["lile"], actor=admin, name="礼乐街道办事处")
    assert fresh(tree["lile"]).name == "礼乐街道办事处"
    assert {u.pk: u.path for u in OrgUnit.objects.all()} == before


def test_moving_a_subtree_rewrites_descendant_paths(tree, admin):
    """礼乐街道 (with its villages) moves under 外海街道: every descendant follows."""
    lile, waihai = tree["lile"], tree["waihai"]
    services.orgunit_update(unit=lile, actor=admin, parent=waihai)
    lile = fresh(lile)
    assert lile.path == f"{waihai.path}{lile.pk}/" and lile.depth == 2
    for name in ("向前村", "英南村"):
        v = OrgUnit.objects.get(name=name)
        assert v.path == f"{lile.path}{v.pk}/" and v.depth == 3
    assert set(OrgUnit.objects.subtree_of(fresh(waihai)).values_list("name", flat=True)) == {
        "外海街道", "金溪社区", "礼乐街道", "向前村", "英南村"}
    # and back up again
    services.orgunit_update(unit=lile, actor=admin, parent=tree["district"])
    assert fresh(tree["xiangqian"]).path == f"/{tree['district'].pk}/{lile.pk}/{tree['xiangqian'].pk}/"
    assert fresh(tree["xiangqian"]).depth == 2


def test_moving_to_the_top_level(tree, admin):
    services.orgunit_update(unit=tree["lile"], actor=admin, parent=None)
    lile = fresh(tree["lile"])
    assert lile.path == f"/{lile.pk}/" and lile.depth == 0
    assert fresh(tree["yingnan"]).path == f"/{lile.pk}/{tree['yingnan'].pk}/"


def test_unit_cannot_move_under_itself_or_its_descendant(tree, admin):
    paths = {u.pk: u.path for u in OrgUnit.objects.all()}
    for new_parent in (tree["lile"], tree["xiangqian"]):
        with pytest.raises(ValidationError) as exc:
            services.orgunit_update(unit=tree["lile"], actor=admin, parent=new_parent)
        assert "上级单位不能是本单位或其下级单位" in str(exc.value)
    assert {u.pk: u.path for u in OrgUnit.objects.all()} == paths


def test_subtree_queries(tree):
    lile = tree["lile"]
    assert set(OrgUnit.objects.subtree_of(lile).values_list("name", flat=True)) == {"礼乐街道", "向前村", "英南村"}
    assert set(OrgUnit.objects.subtree_of(lile, include_self=False).values_list("name", flat=True)) == {
        "向前村", "英南村"}
    assert OrgUnit.objects.subtree_of(tree["district"]).count() == 6


def test_subtree_does_not_catch_units_with_a_longer_id_prefix(admin):
    """/1/ must not match /10/ — the path ends with a slash for that reason."""
    units = [services.orgunit_create(actor=admin, code=f"U{i}", name=f"单位{i}", kind=K.BUREAU) for i in range(12)]
    first = units[0]
    similar = [u for u in units if str(u.pk).startswith(str(first.pk)) and u.pk != first.pk]
    services.orgunit_create(actor=admin, code="CHILD", name="下级", kind=K.TEAM, parent=first)
    assert set(OrgUnit.objects.subtree_of(first).values_list("code", flat=True)) == {first.code, "CHILD"}
    for u in similar:
        assert OrgUnit.objects.subtree_of(u).count() == 1


def test_orgunit_delete_refuses_a_unit_with_children(tree, admin):
    with pytest.raises(ValidationError):
        services.orgunit_delete(unit=tree["lile"], actor=admin)
    services.orgunit_delete(unit=tree["yingnan"], actor=admin)
    assert not OrgUnit.objects.filter(name="英南村").exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, object_repr="英南村").exists()


# --- enterprises --------------------------------------------------------------------------------------


@pytest.fixture
def operator(tree):
    return user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, tree["lile"])


def test_enterprise_create_normalises_the_credit_code(operator):
    code = random_credit_code(random.Random(3))
    messy = " " + code.lower().translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}) + " "
    ent = services.enterprise_create(actor=operator, name="江门市甲科技有限公司", credit_code=messy)
    assert Enterprise.objects.get(pk=ent.pk).credit_code == code


def test_enterprise_create_rejects_an_invalid_credit_code(operator):
    code = random_credit_code(random.Random(4))
    wrong_check = code[:17] + ("0" if code[17] != "0" else "1")
    for bad, fragment in [(wrong_check, "校验位"), (code[:17], "18位"), ("91440704MA4UWZZZ0O", "非法字符")]:
        with pytest.raises(ValidationError) as exc:
            services.enterprise_create(actor=operator, name="江门市乙有限公司", credit_code=bad)
        messages = exc.value.message_dict["credit_code"]
        assert any("统一社会信用代码" in m and fragment in m for m in messages), messages
    assert not Enterprise.objects.exists()
    assert not AuditEntry.objects.filter(object_type="core.enterprise").exists()


def test_enterprise_create_rejects_a_registered_code(operator):
    ent = EnterpriseFactory()
    with pytest.raises(ValidationError) as exc:
        services.enterprise_create(actor=operator, name="另一家", credit_code=ent.credit_code.lower())
    assert "credit_code" in exc.value.message_dict
    assert Enterprise.objects.count() == 1


def test_enterprise_writes_need_a_changing_role(tree):
    leader = user_with_role(RoleKind.LEADER, Programme.INVESTMENT, tree["district"])
    with pytest.raises(PermissionDenied):
        services.enterprise_create(actor=leader, name="江门市丙有限公司", credit_code=random_credit_code(random.Random(5)))
    with pytest.raises(PermissionDenied):
        services.enterprise_update(enterprise=EnterpriseFactory(), actor=UserFactory(), name="改名")


# --- roles: separation of duties ------------------------------------------------------------------------


@pytest.mark.parametrize("held", [RoleKind.SYSADMIN, RoleKind.SECADMIN, RoleKind.AUDITOR])
def test_one_person_holds_at_most_one_system_role(admin, held):
    person = user_with_role(held)
    security = user_with_role(RoleKind.SECADMIN)  # the 三员 duties are granted by the 安全管理员
    for other in {RoleKind.SYSADMIN, RoleKind.SECADMIN, RoleKind.AUDITOR} - {held}:
        with pytest.raises(ValidationError) as exc:  # refused when asked for, before anyone confirms
            services.role_request_create(user=person, kind=other, actor=security, reason="兼任")
        assert "三员分立" in str(exc.value)
        with pytest.raises(ValidationError) as exc:  # and by the grant itself (bootstrap, actor None)
            services.role_grant(user=person, kind=other, actor=None)
        assert "三员分立" in str(exc.value)
    assert list(person.roles.values_list("kind", flat=True)) == [held]


def test_cannot_grant_to_self(admin, tree):
    with pytest.raises(PermissionDenied):
        services.role_grant(user=admin, kind=RoleKind.MANAGER, programme=Programme.INVESTMENT,
                            unit=tree["district"], actor=admin)
    assert admin.roles.count() == 1


def test_only_sysadmin_grants(tree):
    auditor = user_with_role(RoleKind.AUDITOR)
    secadmin = user_with_role(RoleKind.SECADMIN)
    person = UserFactory()
    for actor in (auditor, secadmin, user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, tree["district"])):
        with pytest.raises(PermissionDenied):
            services.role_grant(user=person, kind=RoleKind.OPERATOR, programme=Programme.INVESTMENT,
                                unit=tree["lile"], actor=actor)
    assert not person.roles.exists()


def test_grant_and_revoke_are_audited(admin, tree):
    person = UserFactory()
    role = services.role_grant(user=person, kind=RoleKind.OPERATOR, programme=Programme.RURAL,
                               unit=tree["xiangqian"], actor=admin)
    grant = AuditEntry.objects.get(action=AuditAction.ROLE_GRANT)
    assert grant.actor == admin and grant.object_id == str(person.pk) and "向前村" in grant.message
    with pytest.raises(ValidationError):  # the same role twice
        services.role_grant(user=person, kind=RoleKind.OPERATOR, programme=Programme.RURAL,
                            unit=tree["xiangqian"], actor=admin)
    services.role_revoke(role=role, actor=admin)
    assert not Role.objects.filter(user=person).exists()
    assert AuditEntry.objects.get(action=AuditAction.ROLE_REVOKE).changes["role"][1] is None


def test_programme_role_needs_unit_and_programme(admin):
    with pytest.raises(ValidationError):
        services.role_grant(user=UserFactory(), kind=RoleKind.OPERATOR, programme=Programme.RURAL, actor=admin)
    with pytest.raises(ValidationError):
        services.role_grant(user=UserFactory(), kind=RoleKind.OPERATOR, unit=OrgUnitFactory(), actor=admin)


# --- password policy -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [("Ab#12345", "太短"), ("4407041234567", "全部为数字"), ("qwertyuiop", "常见"), ("password123", "常见")],
)
def test_password_policy_refuses(admin, password, reason):
    with pytest.raises(ValidationError):
        services.user_create(actor=admin, username="lile_new", password=password, full_name="新用户")
    person = UserFactory()
    with pytest.raises(ValidationError):
        services.user_set_password(user=person, password=password, actor=admin)
    assert not person.check_password(password)


def test_password_policy_accepts_a_good_password_and_audits(admin):
    person = services.user_create(actor=admin, username="lile_new", password="Jianghai#Clerk77", full_name="新用户")
    assert person.check_password("Jianghai#Clerk77")
    services.user_set_password(user=person, password="Liyue-Field-2024", actor=person)
    person.refresh_from_db()
    assert person.check_password("Liyue-Field-2024")
    entry = AuditEntry.objects.get(action=AuditAction.PASSWORD)
    assert "Liyue" not in str(entry.changes) + entry.message  # never the password itself


def test_only_sysadmin_sets_another_users_password():
    person = UserFactory()
    other = user_with_role(RoleKind.SECADMIN)
    with pytest.raises(PermissionDenied):
        services.user_set_password(user=person, password="Jianghai#Clerk77", actor=other)


# --- attachments ---------------------------------------------------------------------------------------


def test_attachment_is_stored_and_audited(operator):
    ent = EnterpriseFactory()
    upload = SimpleUploadedFile("厂区照片.png", PNG, content_type="image/png")
    att = services.attachment_add(target=ent, upload=upload, actor=operator, caption="整改前")
    att.refresh_from_db()
    assert att.target == ent and att.size == len(PNG) and att.sha256 == hashlib.sha256(PNG).hexdigest()
    with att.file.open("rb") as fh:
        assert fh.read() == PNG
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="core.attachment")
    assert entry.actor == operator and "厂区照片.png" in entry.message


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("run.exe", b"MZ" + b"\x00" * 40, "不支持的文件类型"),
        ("photo.PNG.html", b"<html>", "不支持的文件类型"),
        ("noext", PNG, "不支持的文件类型"),
        ("photo.png", JPEG, "不符"),
        ("photo.jpg", b"<script>alert(1)</script>", "不符"),
        ("report.pdf", PNG, "不符"),
    ],
)
def test_attachment_type_is_checked(operator, name, content, fragment):
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(target=EnterpriseFactory(), upload=SimpleUploadedFile(name, content), actor=operator)
    assert fragment in str(exc.value)
    assert not Attachment.objects.exists()


def test_attachment_size_limit(operator, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * (1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(target=EnterpriseFactory(), upload=big, actor=operator)
    assert "文件过大" in str(exc.value)
    exact = SimpleUploadedFile("ok.jpg", JPEG + b"\x00" * (1024 * 1024 - len(JPEG)))
    services.attachment_add(target=EnterpriseFactory(), upload=exact, actor=operator)
    assert Attachment.objects.count() == 1


def test_attachment_delete_removes_the_file(operator):
    att = services.attachment_add(target=EnterpriseFactory(), upload=SimpleUploadedFile("a.png", PNG), actor=operator)
    storage, name = att.file.storage, att.file.name
    services.attachment_delete(attachment=att, actor=operator)
    assert not storage.exists(name) and not Attachment.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, object_type="core.attachment").exists()


# --- targets ---------------------------------------------------------------------------------------------


@pytest.fixture
def indicator():
    return Indicator.objects.create(code="t_inv_100m", name="测试指标：亿元以上项目数", programme=Programme.INVESTMENT)


def test_target_set_creates_then_updates(tree, indicator):
    manager = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, tree["lile"])
    t = services.target_set(unit=tree["xiangqian"], indicator=indicator, year=2024, value=10, actor=manager)
    services.target_set(unit=tree["xiangqian"], indicator=indicator, year=2024, value=12, actor=manager)
    assert Target.objects.get(pk=t.pk).value == 12 and Target.objects.count() == 1
    upd = AuditEntry.objects.get(action=AuditAction.UPDATE, object_type="core.target")
    assert upd.changes["value"] == ["10", "12"]
    n = AuditEntry.objects.count()
    services.target_set(unit=tree["xiangqian"], indicator=indicator, year=2024, value=12, actor=manager)
    assert AuditEntry.objects.count() == n  # nothing changed, nothing logged


def test_target_set_outside_scope_is_refused(tree, indicator):
    manager = user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, tree["lile"])
    with pytest.raises(PermissionDenied):
        services.target_set(unit=tree["jinxi"], indicator=indicator, year=2024, value=5, actor=manager)
    with pytest.raises(PermissionDenied):  # above the scope
        services.target_set(unit=tree["district"], indicator=indicator, year=2024, value=5, actor=manager)
    rural_manager = user_with_role(RoleKind.MANAGER, Programme.RURAL, tree["district"])
    with pytest.raises(PermissionDenied):  # another programme's indicator
        services.target_set(unit=tree["xiangqian"], indicator=indicator, year=2024, value=5, actor=rural_manager)
    operator = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, tree["lile"])
    with pytest.raises(PermissionDenied):  # operators enter data but do not set targets
        services.target_set(unit=tree["xiangqian"], indicator=indicator, year=2024, value=5, actor=operator)
    assert not Target.objects.exists()


# --- update_with_audit: the one way a service changes a record -------------------------------------------


class TestUpdateWithAudit:
    def test_writes_the_change_and_one_entry_with_the_diff(self, admin):
        from countyworks.core.audit import update_with_audit

        ent = EnterpriseFactory(name="甲公司", city="江门")
        before = AuditEntry.objects.count()
        ent, changes = update_with_audit(ent, actor=admin, fields={"city": "佛山"})
        assert changes == {"city": ["江门", "佛山"]}
        assert Enterprise.objects.get(pk=ent.pk).city == "佛山"
        entry = AuditEntry.objects.order_by("-seq").first()
        assert AuditEntry.objects.count() == before + 1
        assert entry.action == AuditAction.UPDATE and entry.changes == {"city": ["江门", "佛山"]}

    def test_nothing_changed_writes_nothing(self, admin):
        from countyworks.core.audit import update_with_audit

        ent = EnterpriseFactory(city="江门")
        before = AuditEntry.objects.count()
        _, changes = update_with_audit(ent, actor=admin, fields={"city": "江门"})
        assert changes == {} and AuditEntry.objects.count() == before

    def test_check_runs_after_the_change_and_refusal_writes_nothing(self, admin):
        from countyworks.core.audit import update_with_audit

        ent = EnterpriseFactory(city="江门")
        before = AuditEntry.objects.count()

        def check(e):
            if e.city == "外地":
                raise PermissionDenied("不能改到外地")

        with pytest.raises(PermissionDenied):
            update_with_audit(ent, actor=admin, fields={"city": "外地"}, check=check)
        assert Enterprise.objects.get(pk=ent.pk).city == "江门" and AuditEntry.objects.count() == before

    def test_stale_version_is_a_conflict(self, admin):
        from countyworks.core.audit import EditConflict, record_version, update_with_audit

        ent = EnterpriseFactory(city="江门")
        seen = record_version(ent)
        update_with_audit(ent, actor=admin, fields={"city": "佛山"}, expected_version=seen)
        with pytest.raises(EditConflict):
            update_with_audit(ent, actor=admin, fields={"city": "珠海"}, expected_version=seen)
        assert Enterprise.objects.get(pk=ent.pk).city == "佛山"

    def test_invalid_value_is_refused_by_the_model_rules(self, admin):
        from countyworks.core.audit import update_with_audit

        ent = EnterpriseFactory()
        with pytest.raises(ValidationError):
            update_with_audit(ent, actor=admin, fields={"name": "x" * 1000})
