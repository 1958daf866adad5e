"""The core registers through the import machinery: the library call (`run_import`), the command
(`countyworks import KIND FILE`) and the web flow (upload → preview → confirm)."""

import io
import random
from io import StringIO

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from countyworks.core.audit import audit_verify
from countyworks.core.factories import EnterpriseFactory, OrgUnitFactory, UserFactory, user_with_role
from countyworks.core.identifiers import random_credit_code
from countyworks.core.importing import run_import
from countyworks.core.models import (
    AuditAction,
    AuditEntry,
    Enterprise,
    ImportJob,
    Industry,
    OrgUnit,
    Programme,
    Role,
    RoleKind,
    User,
)
from countyworks.core.testing import ViewContract, World

pytestmark = pytest.mark.django_db

ENT_HEADERS = ["企业名称", "统一社会信用代码", "所在城市", "产业类别", "企业规模", "联系人", "联系电话"]
FULLWIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
CODES = [random_credit_code(random.Random(n)) for n in range(1, 6)]


def write_book(path, headers, rows, *, title=None, total=None, footer=None, sheet="数据"):
    """A sheet as offices make it: an optional merged title row, the header, the rows, an
    optional 合计 row and footer line. Returns the Excel row number of the first data row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(headers)
    for row in rows:
        ws.append(row)
    if total:
        ws.append(total)
    if footer:
        ws.append([footer])
    wb.save(path)
    return path


def messy_enterprises(path, changes=None):
    """Three enterprises with the usual mess; row 3 is the first data row (title row 1, header row 2)."""
    rows = [
        ["  江门市甲科技有限公司 ", " " + CODES[0].lower() + " ", "江门", "新一代电子信息", "中型", "张三",
         "０７５０-３５０１２３４"],
        ["江门市乙　新材料有限公司", CODES[1].translate(FULLWIDTH), " 深圳 ", "前沿新材料", "小型企业", "李四",
         "138 0013 8000"],
        ["江门市丙电器有限公司", CODES[2], "", "", "", "", ""],
    ]
    for (r, c), value in (changes or {}).items():
        rows[r][c] = value
    return write_book(path, ENT_HEADERS, rows, title="江海区2024年重点企业名录",
                      total=["合计", "3家", "", "", "", "", ""],
                      footer="填报单位：礼乐街道  填报人：张三  联系电话：0750-1234567")


@pytest.fixture
def operator():
    return user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, OrgUnitFactory(name="礼乐街道"))


@pytest.fixture
def admin():
    return user_with_role(RoleKind.SYSADMIN)


def do_import(kind, path, actor, commit=True):
    with open(path, "rb") as fh:
        return run_import(kind, fh, path.name, actor=actor, commit=commit)


def command(kind, path, *args):
    """Run `countyworks import`; returns (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import", kind, str(path), *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


# --- enterprises ------------------------------------------------------------------------------------------


def test_messy_enterprise_sheet_is_cleaned(tmp_path, operator):
    report = do_import("enterprises", messy_enterprises(tmp_path / "企业.xlsx"), operator)
    assert report.ok, [str(p) for p in report.problems]
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert report.header_row == 2 and report.title == "江海区2024年重点企业名录"
    assert [r for r, _ in report.skipped] == [6, 7]  # the 合计 row and the footer line
    a = Enterprise.objects.get(credit_code=CODES[0])
    assert a.name == "江门市甲科技有限公司" and a.contact_phone == "0750-3501234"
    assert a.industry == Industry.objects.get(name="新一代电子信息") and a.size == Enterprise.Size.MEDIUM
    b = Enterprise.objects.get(credit_code=CODES[1])
    assert b.city == "深圳" and b.size == Enterprise.Size.SMALL and b.contact_phone == "13800138000"
    assert Enterprise.objects.count() == 3
    entries = AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="core.enterprise", actor=operator)
    assert entries.count() == 3
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT, object_type="import.enterprises").count() == 1
    assert audit_verify().ok


def test_preview_writes_nothing(tmp_path, operator):
    report = do_import("enterprises", messy_enterprises(tmp_path / "企业.xlsx"), operator, commit=False)
    assert report.ok and report.created == 3 and not report.committed
    assert len(report.preview) == 3 and report.preview[0][0] == "江门市甲科技有限公司"
    assert not Enterprise.objects.exists() and not AuditEntry.objects.exists()


def test_every_bad_row_is_reported_and_nothing_is_written(tmp_path, operator):
    EnterpriseFactory()
    bad_code = CODES[1][:17] + ("0" if CODES[1][17] != "0" else "1")
    path = messy_enterprises(tmp_path / "企业.xlsx", {(1, 1): bad_code, (2, 4): "超大型"})
    report = do_import("enterprises", path, operator)
    assert not report.ok
    found = {(p.row, p.column) for p in report.problems}
    assert found == {(4, "统一社会信用代码"), (5, "企业规模")}
    messages = {p.column: p.message for p in report.problems}
    assert "校验位" in messages["统一社会信用代码"] and "超大型" in messages["企业规模"]
    assert Enterprise.objects.count() == 1
    assert not AuditEntry.objects.exists()

    code, out, err = command("enterprises", path)
    assert code == 1
    lines = err.splitlines()
    assert any(line.startswith("第4行 统一社会信用代码: ") and "校验位" in line for line in lines), err
    assert any(line.startswith("第5行 企业规模: ") for line in lines), err
    assert Enterprise.objects.count() == 1


def test_duplicate_key_in_one_file_is_reported(tmp_path, operator):
    path = messy_enterprises(tmp_path / "企业.xlsx", {(2, 1): CODES[0]})
    report = do_import("enterprises", path, operator)
    assert [(p.row, p.column) for p in report.problems] == [(5, "统一社会信用代码")]
    assert "第3行" in report.problems[0].message
    assert not Enterprise.objects.exists()


def test_missing_column_is_reported(tmp_path, operator):
    path = write_book(tmp_path / "企业.xlsx", ["企业名称", "所在城市"], [["江门市甲有限公司", "江门"]])
    report = do_import("enterprises", path, operator)
    assert [(p.row, p.column) for p in report.problems] == [(1, "统一社会信用代码")]
    assert "缺少此列" in report.problems[0].message and not Enterprise.objects.exists()


def test_reimport_changes_nothing(tmp_path, operator):
    path = messy_enterprises(tmp_path / "企业.xlsx")
    do_import("enterprises", path, operator)
    writes = AuditEntry.objects.filter(action__in=["create", "update"]).count()
    report = do_import("enterprises", path, operator)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert Enterprise.objects.count() == 3
    assert AuditEntry.objects.filter(action__in=["create", "update"]).count() == writes
    code, out, _ = command("enterprises", path)
    assert code == 0 and "新增0条，更新0条" in out
    assert Enterprise.objects.count() == 3


def test_changing_one_cell_updates_one_record(tmp_path, operator):
    do_import("enterprises", messy_enterprises(tmp_path / "v1.xlsx"), operator)
    report = do_import("enterprises", messy_enterprises(tmp_path / "v2.xlsx", {(2, 2): "广州"}), operator)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    c = Enterprise.objects.get(credit_code=CODES[2])
    assert c.city == "广州"
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=str(c.pk))
    assert entry.changes == {"city": ["", "广州"]} and entry.actor == operator
    assert audit_verify().ok


def test_command_imports_and_reports_skipped_rows(tmp_path):
    code, out, err = command("enterprises", messy_enterprises(tmp_path / "企业.xlsx"))
    assert code == 0, err
    assert "新增3条" in out and "第6行：合计行" in out and "第7行：表尾" in out
    assert Enterprise.objects.count() == 3
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, actor_name="system").count() == 3


def test_command_dry_run_and_user(tmp_path, operator):
    path = messy_enterprises(tmp_path / "企业.xlsx")
    code, out, _ = command("enterprises", path, "--dry-run")
    assert code == 0 and "预览" in out and not Enterprise.objects.exists()
    code, _, _ = command("enterprises", path, "--user", operator.username)
    assert code == 0
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT, actor=operator).exists()


def test_permission(tmp_path):
    path = messy_enterprises(tmp_path / "企业.xlsx")
    nobody = UserFactory(username="nobody")
    with pytest.raises(PermissionDenied):
        do_import("enterprises", path, nobody)
    leader = user_with_role(RoleKind.LEADER, Programme.INVESTMENT)
    with pytest.raises(PermissionDenied):
        do_import("enterprises", path, leader)
    code, _, err = command_error("enterprises", path, "--user", "nobody")
    assert code != 0 and "无权" in err
    assert not Enterprise.objects.exists()


def command_error(kind, path, *args):
    """`countyworks import` raising CommandError; as the command line would report it."""
    from django.core.management.base import CommandError

    try:
        return command(kind, path, *args)
    except CommandError as exc:
        return 1, "", str(exc)


def test_unreadable_file(tmp_path, operator):
    path = tmp_path / "企业.xlsx"
    path.write_bytes(b"this is not a spreadsheet")
    report = do_import("enterprises", path, operator)
    assert not report.ok and report.problems[0].row is None
    code, _, err = command("enterprises", path)
    assert code == 1 and err.strip()


def test_export_reimports_with_no_changes(tmp_path, operator):
    do_import("enterprises", messy_enterprises(tmp_path / "企业.xlsx"), operator)
    EnterpriseFactory(name="江门市丁有限公司", contact_phone="0750-3501234")
    out = tmp_path / "导出.xlsx"
    call_command("export", "enterprises", str(out), stdout=StringIO())
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, object_type="export.enterprises").exists()
    report = do_import("enterprises", out, operator)
    assert report.ok, [str(p) for p in report.problems]
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)


# --- org units ------------------------------------------------------------------------------------------

UNIT_HEADERS = ["代码", "名称", "类型", "上级代码", "启用日期", "停用日期"]


def test_orgunits_children_before_parents(tmp_path, admin):
    rows = [
        ["440704003201", "向前村", "村", "440704003000", "", ""],
        ["440704003202", "英南村", "村", "440704003000", "2024/3/7", ""],
        ["440704003000", "礼乐街道", "街道", "440704000000", "", ""],
        ["４４０７０４００００００", " 江海区 ", "区", "", "", ""],
    ]
    path = write_book(tmp_path / "单位.xlsx", UNIT_HEADERS, rows, title="江海区组织机构",
                      footer="填报人：王五")
    report = do_import("orgunits", path, admin)
    assert report.ok, [str(p) for p in report.problems]
    assert report.created == 4
    district = OrgUnit.objects.get(code="440704000000")
    assert district.name == "江海区" and district.parent is None
    lile = OrgUnit.objects.get(code="440704003000")
    village = OrgUnit.objects.get(code="440704003202")
    assert village.parent == lile and village.path == f"{lile.path}{village.pk}/" and village.depth == 2
    assert str(village.valid_from) == "2024-03-07"
    again = do_import("orgunits", path, admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_orgunits_moving_by_import(tmp_path, admin):
    district = OrgUnitFactory(code="D", name="区", kind=OrgUnit.Kind.DISTRICT)
    a = OrgUnitFactory(code="A", name="甲街道", parent=district)
    b = OrgUnitFactory(code="B", name="乙街道", parent=district)
    OrgUnitFactory(code="A1", name="甲一村", kind=OrgUnit.Kind.VILLAGE, parent=a)
    path = write_book(tmp_path / "单位.xlsx", UNIT_HEADERS, [["A", "甲街道", "街道", "B", "", ""]])
    report = do_import("orgunits", path, admin)
    assert report.updated == 1
    assert OrgUnit.objects.get(code="A1").path.startswith(OrgUnit.objects.get(code="B").path)
    assert AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=str(a.pk)).changes["parent"] == [
        district.pk, b.pk]


def test_orgunits_cycle_is_reported(tmp_path, admin):
    rows = [
        ["X1", "甲", "工作组", "X2", "", ""],
        ["X2", "乙", "工作组", "X3", "", ""],
        ["X3", "丙", "工作组", "X1", "", ""],
        ["X4", "丁", "工作组", "", "", ""],
    ]
    report = do_import("orgunits", write_book(tmp_path / "单位.xlsx", UNIT_HEADERS, rows), admin)
    assert not report.ok
    text = " ".join(str(p) for p in report.problems)
    assert "循环" in text and "X1" in text
    assert not OrgUnit.objects.exists()


def test_orgunits_bad_rows(tmp_path, admin):
    rows = [
        ["S1", "自己", "工作组", "S1", "", ""],
        ["S2", "孤儿", "工作组", "NOPE", "", ""],
        ["S3", "怪类型", "大队", "", "", ""],
        ["S4", "倒序", "工作组", "", "2024-05-01", "2024-01-01"],
    ]
    report = do_import("orgunits", write_book(tmp_path / "单位.xlsx", UNIT_HEADERS, rows), admin)
    assert {(p.row, p.column) for p in report.problems} == {
        (2, "上级代码"), (3, "上级代码"), (4, "类型"), (5, "停用日期")}
    assert not OrgUnit.objects.exists()


def test_orgunits_need_sysadmin(tmp_path, operator):
    path = write_book(tmp_path / "单位.xlsx", UNIT_HEADERS, [["Z1", "某组", "工作组", "", "", ""]])
    with pytest.raises(PermissionDenied):
        do_import("orgunits", path, operator)
    assert not OrgUnit.objects.filter(code="Z1").exists()


# --- users ------------------------------------------------------------------------------------------------

USER_HEADERS = ["用户名", "姓名", "所在单位", "联系电话", "电子邮箱", "角色", "状态"]


@pytest.fixture
def units():
    district = OrgUnitFactory(code="440704000000", name="江海区", kind=OrgUnit.Kind.DISTRICT)
    lile = OrgUnitFactory(code="440704003000", name="礼乐街道", parent=district)
    return district, lile


def test_users_with_roles_and_role_removal(tmp_path, admin, units):
    district, lile = units
    roles = "礼乐街道 招商引资 填报员；440704003000 百千万工程 审核员; 江海区 周调度月通报 领导"
    rows = [
        ["lile_zs", "礼乐招商", "礼乐街道", "13800138000", "", roles, "启用"],
        ["auditor2", "审计员乙", "江海区", "", "a@example.cn", "审计员", ""],
    ]
    path = write_book(tmp_path / "用户.xlsx", USER_HEADERS, rows, title="江海区用户名单")
    refused = do_import("users", path, admin)  # 三员分立: the 系统管理员 grants no 三员 duty, not even by file
    assert [(p.row, p.column) for p in refused.problems] == [(4, "角色")]
    assert "三员角色只能由安全管理员授予" in refused.problems[0].message
    assert not User.objects.filter(username__in=["lile_zs", "auditor2"]).exists()
    report = do_import("users", path, None)  # the command line run as system
    assert report.ok, [str(p) for p in report.problems]
    assert report.created == 2
    u = User.objects.get(username="lile_zs")
    assert u.unit == lile and u.phone == "13800138000" and u.is_active and not u.has_usable_password()
    assert set(u.roles.values_list("kind", "programme", "unit__code")) == {
        ("operator", "investment", "440704003000"),
        ("reviewer", "rural", "440704003000"),
        ("leader", "dispatch", "440704000000"),
    }
    assert list(User.objects.get(username="auditor2").roles.values_list("kind", flat=True)) == ["auditor"]
    assert AuditEntry.objects.filter(action=AuditAction.ROLE_GRANT, object_id=str(u.pk)).count() == 3

    # re-import unchanged
    again = do_import("users", path, admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2), [str(p) for p in again.problems]

    # drop the reviewer role and disable the account
    rows[0][5] = "礼乐街道 招商引资 填报员；江海区 周调度月通报 领导"
    rows[0][6] = "停用"
    report = do_import("users", write_book(tmp_path / "用户2.xlsx", USER_HEADERS, rows), admin)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    u.refresh_from_db()
    assert not u.is_active
    assert not u.roles.filter(kind="reviewer").exists() and u.roles.count() == 2
    revoke = AuditEntry.objects.get(action=AuditAction.ROLE_REVOKE, object_id=str(u.pk))
    assert "审核员" in revoke.message
    assert audit_verify().ok


def test_users_bad_roles(tmp_path, admin, units):
    rows = [
        ["a1", "甲", "", "", "", "不存在的街道 招商引资 填报员", ""],
        ["a2", "乙", "", "", "", "礼乐街道 招商 填报员", ""],
        ["a3", "丙", "", "", "", "审计员；系统管理员", ""],
        ["a4", "丁", "", "", "", "填报员", ""],
        ["a5", "戊", "", "", "not-an-email", "", "在职"],
    ]
    report = do_import("users", write_book(tmp_path / "用户.xlsx", USER_HEADERS, rows), admin)
    assert {(p.row, p.column) for p in report.problems} == {
        (2, "角色"), (3, "角色"), (4, "角色"), (5, "角色"), (6, "电子邮箱"), (6, "状态")}
    assert "三员分立" in next(p.message for p in report.problems if p.row == 4)
    assert not User.objects.filter(username__startswith="a").exclude(pk=admin.pk).exists()


def test_users_import_cannot_grant_the_importer_a_role(tmp_path, admin, units):
    """The 系统管理员 cannot give themself a role by listing their own account in the file;
    the whole file is refused, the other rows included."""
    rows = [[admin.username, "管理员", "", "", "", "系统管理员；礼乐街道 招商引资 填报员", ""],
            ["new1", "新人", "", "", "", "", ""]]
    report = do_import("users", write_book(tmp_path / "用户.xlsx", USER_HEADERS, rows), admin)
    assert not report.ok and "自己" in str(report.problems[0])
    assert not User.objects.filter(username="new1").exists()
    assert list(admin.roles.values_list("kind", flat=True)) == ["sysadmin"]


def test_users_import_needs_sysadmin(tmp_path, units):
    path = write_book(tmp_path / "用户.xlsx", USER_HEADERS, [["x1", "某人", "", "", "", "", ""]])
    for actor in (UserFactory(), user_with_role(RoleKind.AUDITOR),
                  user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, units[0])):
        with pytest.raises(PermissionDenied):
            do_import("users", path, actor)
    assert not User.objects.filter(username="x1").exists()


def test_users_command_rejection(tmp_path, admin, units):
    rows = [["ok_user", "好", "礼乐街道", "", "", "", ""], ["bad user!", "坏", "外星街道", "", "", "", ""]]
    path = write_book(tmp_path / "用户.xlsx", USER_HEADERS, rows, title="用户名单")
    code, _, err = command("users", path)
    assert code == 1
    assert "第4行 用户名: " in err and "第4行 所在单位: " in err
    assert not User.objects.filter(username="ok_user").exists()


# --- the web flow --------------------------------------------------------------------------------------------


def upload(client, kind, path):
    with open(path, "rb") as fh:
        return client.post(reverse("core:import", args=[kind]), {"file": fh})


def test_web_upload_preview_confirm(client, tmp_path, operator):
    client.force_login(operator)
    assert client.get(reverse("core:import", args=["enterprises"])).status_code == 200
    resp = upload(client, "enterprises", messy_enterprises(tmp_path / "企业.xlsx"))
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "预览3行：新增3条，更新0条，未变化0条" in text
    assert "第6行：合计行" in text and 'id="import-preview"' in text and "江门市甲科技有限公司" in text
    assert not Enterprise.objects.exists()
    token = resp.context["token"]
    resp = client.post(reverse("core:import", args=["enterprises"]), {"token": token, "filename": "企业.xlsx"})
    assert resp.status_code == 302 and resp["Location"] == reverse("core:enterprise_list")
    assert Enterprise.objects.count() == 3
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT, actor=operator).exists()
    # the token is used up: confirming twice does not import twice
    resp = client.post(reverse("core:import", args=["enterprises"]), {"token": token, "filename": "企业.xlsx"})
    assert resp.status_code == 404


def test_web_token_belongs_to_its_uploader(client, tmp_path, operator):
    client.force_login(operator)
    token = upload(client, "enterprises", messy_enterprises(tmp_path / "企业.xlsx")).context["token"]
    other = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT)
    client.force_login(other)
    resp = client.post(reverse("core:import", args=["enterprises"]), {"token": token, "filename": "x.xlsx"})
    assert resp.status_code == 404 and not Enterprise.objects.exists()


def test_web_bad_file_shows_errors_and_error_report(client, tmp_path, operator):
    client.force_login(operator)
    bad_code = CODES[0][:17] + ("0" if CODES[0][17] != "0" else "1")
    path = messy_enterprises(tmp_path / "企业.xlsx", {(0, 1): bad_code, (2, 4): "巨型"})
    resp = upload(client, "enterprises", path)
    text = resp.content.decode()
    assert resp.status_code == 200 and 'id="import-errors"' in text and "未导入任何数据" in text
    assert "<td>3</td><td>统一社会信用代码</td>" in text and "<td>5</td><td>企业规模</td>" in text
    assert "确认导入" not in text and not Enterprise.objects.exists()
    url = reverse("core:import_errors", args=["enterprises", resp.context["error_token"]])
    assert url in text
    report = client.get(url)
    assert report.status_code == 200 and report.content[:2] == b"PK"
    ws = openpyxl.load_workbook(io.BytesIO(report.content)).active
    rows = [tuple(c.value for c in r) for r in ws.iter_rows(min_row=2)]
    assert [(int(r[0]), r[1]) for r in rows] == [(3, "统一社会信用代码"), (5, "企业规模")]
    # someone else cannot fetch it
    client.force_login(user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT))
    assert client.get(url).status_code == 404


def test_web_template_is_accepted_by_the_importer(client, tmp_path, operator):
    client.force_login(operator)
    resp = client.get(reverse("core:import_template", args=["enterprises"]))
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    ws = wb.worksheets[0]
    header_row = next(r for r in range(1, 5) if any(c.value and "企业名称" in str(c.value) for c in ws[r]))
    # replace the example row with a real one, as a clerk would
    values = ["江门市模板有限公司", CODES[4], "江门", "智能家电", "小型", "王五", "0750-3501234"]
    for j, v in enumerate(values, start=1):
        ws.cell(header_row + 1, j, v)
    path = tmp_path / "模板.xlsx"
    wb.save(path)
    report = do_import("enterprises", path, operator)
    assert report.ok, [str(p) for p in report.problems]
    assert report.created == 1 and Enterprise.objects.get(credit_code=CODES[4]).industry.name == "智能家电"


@pytest.mark.parametrize("kind", ["enterprises", "orgunits", "users"])
def test_template_header_row_is_accepted(tmp_path, admin, kind):
    """Every core template, downloaded by someone allowed to import it, has the headers its importer needs."""
    from countyworks.core.importing import get_importer, template_xlsx
    from countyworks.core.spreadsheets import read_table

    buf = io.BytesIO()
    template_xlsx(kind, buf, admin)
    table = read_table(io.BytesIO(buf.getvalue()), "t.xlsx", get_importer(kind, admin).columns)
    assert table.missing == [] and table.extra == []


def test_web_permissions(client, tmp_path):
    url = reverse("core:import", args=["users"])
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT))
    assert client.get(url).status_code == 403
    assert client.get(reverse("core:import_template", args=["users"])).status_code == 403
    assert client.get(reverse("core:import", args=["no-such-register"])).status_code == 404
    client.force_login(UserFactory())
    assert client.get(reverse("core:import", args=["enterprises"])).status_code == 403


def test_web_register_export_round_trip(client, tmp_path, operator):
    EnterpriseFactory.create_batch(3)
    client.force_login(operator)
    resp = client.get(reverse("core:register_export", args=["enterprises"]))
    assert resp.status_code == 200
    path = tmp_path / "导出.xlsx"
    path.write_bytes(resp.content)
    report = do_import("enterprises", path, operator)
    assert report.ok and (report.created, report.updated, report.unchanged) == (0, 0, 3)


def test_users_export_reimports_with_no_changes(tmp_path, admin, units):
    rows = [["lile_zs", "礼乐招商", "礼乐街道", "13800138000", "", "礼乐街道 招商引资 填报员", "启用"],
            ["sec2", "安全员", "", "", "", "安全管理员", "停用"]]
    assert do_import("users", write_book(tmp_path / "用户.xlsx", USER_HEADERS, rows), None).ok  # 三员: as system
    out = tmp_path / "导出.xlsx"
    call_command("export", "users", str(out), stdout=StringIO())
    report = do_import("users", out, admin)
    assert report.ok, [str(p) for p in report.problems]
    assert report.created == 0 and report.updated == 0
    assert Role.objects.filter(user__username="lile_zs").count() == 1


def test_orgunits_new_child_under_a_unit_moved_in_the_same_file(tmp_path, admin):
    """A moves under B and, in the same file, a new unit N is created under A's child A1:
    N's path must follow A1's new place in the tree."""
    district = OrgUnitFactory(code="D", name="区", kind=OrgUnit.Kind.DISTRICT)
    a = OrgUnitFactory(code="A", name="甲街道", parent=district)
    OrgUnitFactory(code="B", name="乙街道", parent=district)
    OrgUnitFactory(code="A1", name="甲一村", kind=OrgUnit.Kind.VILLAGE, parent=a)
    rows = [["A", "甲街道", "街道", "B", "", ""], ["N", "新组", "工作组", "A1", "", ""]]
    report = do_import("orgunits", write_book(tmp_path / "单位.xlsx", UNIT_HEADERS, rows), admin)
    assert report.ok and (report.created, report.updated) == (1, 1)
    a1, n = OrgUnit.objects.get(code="A1"), OrgUnit.objects.get(code="N")
    assert n.path == f"{a1.path}{n.pk}/" and n.depth == 4
    assert OrgUnit.objects.subtree_of(OrgUnit.objects.get(code="B")).filter(code="N").exists()


def test_orgunits_cycle_made_by_two_moves_is_refused(tmp_path, admin):
    """A moves under B, and B under A's child A1, in one file: that would make a loop."""
    district = OrgUnitFactory(code="D", name="区", kind=OrgUnit.Kind.DISTRICT)
    a = OrgUnitFactory(code="A", name="甲街道", parent=district)
    OrgUnitFactory(code="B", name="乙街道", parent=district)
    OrgUnitFactory(code="A1", name="甲一村", kind=OrgUnit.Kind.VILLAGE, parent=a)
    paths = dict(OrgUnit.objects.values_list("code", "path"))
    rows = [["A", "甲街道", "街道", "B", "", ""], ["B", "乙街道", "街道", "A1", "", ""]]
    report = do_import("orgunits", write_book(tmp_path / "单位.xlsx", UNIT_HEADERS, rows), admin)
    assert not report.ok and "上级单位不能是本单位或其下级单位" in str(report.problems)
    assert dict(OrgUnit.objects.values_list("code", "path")) == paths


class TestImportViews(ViewContract):
    """The import page, its template, the error report of a preview and the register export follow
    the importer's own permission (here: an investment operator importing enterprises)."""

    covers = {"core:import", "core:import_template", "core:import_errors", "core:register_export",
              "core:import_job"}

    def make_world(self):
        from countyworks.core.views import _import_dir

        unit = OrgUnitFactory(name="导入街道")
        permitted = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, unit)
        token = f"{permitted.pk}-{'a' * 32}"
        errors_xlsx = _import_dir() / f"{token}.errors.xlsx"
        errors_xlsx.write_bytes(b"PK\x03\x04 an error report")
        job = ImportJob.objects.create(kind="enterprises", filename="企业.xlsx", token=token, actor=permitted,
                                       status=ImportJob.Status.DONE, report=None)
        return World(
            permitted=permitted,
            outsider=UserFactory(),
            own=unit,
            pages=[reverse("core:import", args=["enterprises"]), reverse("core:import_template", args=["enterprises"]),
                   reverse("core:import_errors", args=["enterprises", token]),
                   reverse("core:register_export", args=["enterprises"]),
                   reverse("core:import_job", args=["enterprises", job.pk])],
            writes_tested_by="test_web_upload_preview_confirm",
        )

    def test_someone_elses_error_report_is_404(self, client, world):
        other = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, world.own)
        client.force_login(other)
        assert client.get(world.pages[2]).status_code == 404
