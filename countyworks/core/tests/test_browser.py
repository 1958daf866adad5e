"""End-to-end journeys in headless Chromium (Playwright, sync API) against pytest-django's live server.

Run with `pytest -m browser`; needs Debian's /usr/bin/chromium (`make browser-deps`). The fixtures
(`browser`, `page`, `phone_page`, `login`, `screenshot`) live in countyworks/browser_fixtures.py.
SCREENSHOTS=1 saves screenshots of the key pages to test-results/screenshots/.
"""

import importlib
import io
import random
import re

import openpyxl
import pytest

from countyworks.browser_fixtures import login, screenshot
from countyworks.core.identifiers import random_credit_code
from countyworks.demo.jianghai import DEMO_PASSWORD, load_org_and_accounts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chinese text: at least one CJK ideograph, and no English sentence.
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def jianghai(live_server, settings):
    """The Jianghai org tree, demo accounts and the industry catalogue.

    Transactional tests flush the database after each test, which also removes rows written by data
    migrations (the 0002 industry catalogue), so it is put back here. A fast password hasher keeps
    the 17 demo accounts and each login from costing PBKDF2's deliberate half-second."""
    from countyworks.core.models import Industry

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    catalogue = importlib.import_module("countyworks.core.migrations.0002_industry_catalogue").CATALOGUE
    for code, name, tier, order in catalogue:
        Industry.objects.get_or_create(code=code, defaults={"name": name, "tier": tier, "sort_order": order})
    return {u.username: u for u in load_org_and_accounts()}


def nav_labels(page):
    return [t.strip() for t in page.locator("#mainnav .navbar-nav .nav-link, #mainnav .dropdown-item").all_text_contents()]


def messages_text(page):
    return " ".join(page.locator("main .alert").all_inner_texts())


# --- 1. login and navigation ---------------------------------------------------------------------------------


def test_login_navigation_and_wrong_password(page, live_server, jianghai):
    css = page.request.get(f"{live_server.url}/static/bootstrap/css/bootstrap.min.css")
    assert css.status == 200, "Bootstrap CSS is not served by the live server"
    assert "text/css" in css.headers.get("content-type", "")

    # a wrong password: the form answers with a Chinese error message
    page.goto(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "登录县区工作台"
    screenshot(page, "login")
    page.fill("#id_username", "lile_zs")
    page.fill("#id_password", "wrong-password")
    page.click("form button[type=submit]")
    error = page.locator("main .alert-danger")
    error.wait_for()
    text = error.inner_text()
    assert CJK.search(text) and "密码" in text, text
    assert "Please enter" not in text
    assert page.input_value("#id_username") == "lile_zs"  # the username is kept
    screenshot(page, "login_error")

    # the right password: home page with the user's navigation
    login(page, live_server, "lile_zs", DEMO_PASSWORD)
    assert "礼乐街道招商办，您好" in page.locator("h1").inner_text()
    # the styles really apply: Bootstrap's navbar layout and the CountyWorks red
    assert page.locator("nav.navbar").evaluate("e => getComputedStyle(e).display") == "flex"
    assert page.locator("nav.navbar").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(139, 26, 26)"
    labels = nav_labels(page)
    assert "组织机构" in labels and "企业名录" in labels, labels
    assert "审计日志" not in labels and "用户与角色" not in labels, labels
    assert page.locator("#mainnav .navbar-text").inner_text() == "礼乐街道招商办"


# --- 2. org tree ---------------------------------------------------------------------------------------------


def test_org_tree_and_out_of_scope_unit(page, live_server, jianghai):
    from countyworks.core.models import OrgUnit

    login(page, live_server, "lile_zs", DEMO_PASSWORD)
    page.click("#nav-basics")
    page.click("#mainnav >> text=组织机构")
    page.wait_for_url("**/core/orgunits/")
    table = page.locator("main table")
    assert "礼乐街道" in table.inner_text()
    assert "外海街道" not in table.inner_text()  # outside lile_zs's scope

    page.locator("main table a", has_text="礼乐街道").click()
    page.wait_for_url(re.compile(r"/core/orgunits/\d+/$"))
    assert page.locator("h1").inner_text().startswith("礼乐街道")
    children = page.locator("#children").inner_text()
    assert "向前村" in children and "英南村" in children
    crumbs = [t.strip() for t in page.locator(".breadcrumb .breadcrumb-item").all_inner_texts()]
    assert crumbs[0] == "组织机构" and crumbs[-1] == "礼乐街道", crumbs
    screenshot(page, "org_tree")

    page.locator("#children a", has_text="向前村").click()
    page.wait_for_url(re.compile(r"/core/orgunits/\d+/$"))
    crumbs = [t.strip() for t in page.locator(".breadcrumb .breadcrumb-item").all_inner_texts()]
    assert crumbs[-2:] == ["礼乐街道", "向前村"], crumbs
    page.locator(".breadcrumb a", has_text="礼乐街道").click()
    page.wait_for_url(re.compile(r"/core/orgunits/\d+/$"))
    assert page.locator("h1").inner_text().startswith("礼乐街道")

    waihai = OrgUnit.objects.get(code="440704002000")
    resp = page.goto(f"{live_server.url}{waihai.get_absolute_url()}")
    assert resp.status == 404
    assert "未找到（404）" in page.locator("main").inner_text()
    assert "外海街道" not in page.content()


# --- 3. enterprise import -----------------------------------------------------------------------------------

HEADER = ["企业名称", "统一社会信用代码", "所在城市", "产业类别", "企业规模", "联系人", "联系电话"]
BROKEN_CODE = "91440704MA4UWZZZ0X"  # illegal characters


def enterprise_rows():
    rng = random.Random(1)
    codes = [random_credit_code(rng) for _ in range(3)]
    return [
        ["江门市礼乐精密机械有限公司", codes[0], "江门", "高端装备制造", "中型", "张三", "0750-3501234"],
        ["江门市向前新材料科技有限公司", codes[1], "江门", "前沿新材料", "小型", "李四", "13812345678"],
        ["江门市英南电子有限公司", codes[2], "深圳", "新一代电子信息", "微型", "王五", "13912345678"],
    ]


def write_workbook(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业名录"
    ws.append(["江海区企业名录"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    ws.append(["合计", f"{len(rows)}家"])
    wb.save(path)
    return path


def test_enterprise_import_journey(page, live_server, jianghai, tmp_path):
    from countyworks.core.models import Enterprise

    rows = enterprise_rows()
    broken = [list(r) for r in rows]
    broken[1][1] = BROKEN_CODE  # the 2nd data row — row 4 in Excel (title row 1, header row 2)
    bad_file = write_workbook(tmp_path / "企业名录_有错.xlsx", broken)
    good_file = write_workbook(tmp_path / "企业名录.xlsx", rows)

    login(page, live_server, "lile_zs", DEMO_PASSWORD)
    page.click("#nav-basics")
    page.click("#mainnav >> text=企业名录")
    page.wait_for_url("**/core/enterprises/")
    page.click("main a:text-is('导入')")
    page.wait_for_url("**/core/import/enterprises/")
    assert page.locator("h1").inner_text() == "导入企业"

    # upload the broken file: the error table names Excel row 4 and the column
    page.set_input_files("#id_file", str(bad_file))
    page.click("main form button:text-is('上传并检查')")
    errors = page.locator("#import-errors")
    errors.wait_for()
    problems = [[c.strip() for c in r.locator("td").all_inner_texts()] for r in errors.locator("tbody tr").all()]
    assert [p for p in problems if p[0] == "4" and p[1] == "统一社会信用代码"], problems
    assert all(p[0] == "4" for p in problems), problems  # title, header and 合计 rows are not errors
    assert "alert-danger" in page.locator("#import-summary").get_attribute("class")
    assert "表头位于第2行" in page.locator("main").inner_text()
    assert page.locator("#import-preview").count() == 0
    assert page.locator("button:text-is('确认导入')").count() == 0
    screenshot(page, "import_errors")

    with page.expect_download() as dl_info:
        page.click("a:text-is('下载错误报告')")
    download = dl_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as fh:
        report = openpyxl.load_workbook(io.BytesIO(fh.read()))
    report_text = " ".join(str(v) for ws in report.worksheets for r in ws.iter_rows(values_only=True)
                           for v in r if v is not None)
    assert "统一社会信用代码" in report_text
    assert Enterprise.objects.count() == 0

    # the fixed file: a preview of the 3 rows, then 确认导入
    page.set_input_files("#id_file", str(good_file))
    page.click("main form button:text-is('上传并检查')")
    preview = page.locator("#import-preview")
    preview.wait_for()
    assert preview.locator("tbody tr").count() == 3
    assert rows[0][0] in preview.inner_text()
    assert page.locator("#import-errors").count() == 0
    assert Enterprise.objects.count() == 0  # the preview writes nothing
    screenshot(page, "import_preview")

    page.click("button:text-is('确认导入')")
    page.wait_for_url("**/core/enterprises/")
    success = page.locator("main .alert-success")
    success.wait_for()
    assert CJK.search(success.inner_text()), success.inner_text()
    table_text = page.locator("main table").inner_text()
    for row in rows:
        assert row[0] in table_text and row[1] in table_text
    assert Enterprise.objects.count() == 3

    # 导出 Excel: the list as an .xlsx holding the 3 enterprises
    with page.expect_download() as dl_info:
        page.click("main a:text-is('导出 Excel')")
    download = dl_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as fh:
        exported = openpyxl.load_workbook(io.BytesIO(fh.read()))
    values = [str(v) for ws in exported.worksheets for r in ws.iter_rows(values_only=True) for v in r if v]
    for row in rows:
        assert row[0] in values, (row[0], values)
        assert row[1] in values, (row[1], values)


# --- 4. roles and the audit log -------------------------------------------------------------------------------


def test_grant_role_then_audit_it(page, live_server, jianghai):
    login(page, live_server, "admin", DEMO_PASSWORD)
    assert "用户与角色" in nav_labels(page)
    page.click("#nav-basics")
    page.click("#mainnav >> text=用户与角色")
    page.wait_for_url("**/core/users/")
    page.locator("main table a", has_text="yingnan").click()
    page.wait_for_url(re.compile(r"/core/users/\d+/$"))
    assert page.locator("h1").inner_text().startswith("yingnan")

    page.select_option("#id_kind", label="审核员")
    page.select_option("#id_programme", label="招商引资")
    page.select_option("#id_unit", label="英南村")
    page.click("button:text-is('授予角色')")
    page.locator("main .alert-success").wait_for()
    assert "已授予角色" in messages_text(page)
    assert "英南村 · 招商引资 · 审核员" in page.locator("main table").first.inner_text()

    page.click("nav button:text-is('退出')")
    page.wait_for_url("**/login/")

    login(page, live_server, "auditor", DEMO_PASSWORD)
    page.click("#mainnav >> text=审计日志")
    page.wait_for_url("**/core/audit/")
    page.fill("#id_actor_name", "admin")
    page.click("form.filter-form button:text-is('筛选')")
    page.wait_for_url(re.compile(r"actor_name=admin"))
    rows = page.locator("main table tbody tr")
    actors = {t.strip() for t in page.locator("main table tbody tr td:nth-child(3)").all_inner_texts()}
    assert actors == {"admin"}, actors
    grant_row = rows.filter(has_text="授予角色").filter(has_text="英南村 · 招商引资 · 审核员")
    assert grant_row.count() == 1
    grant_row.locator("a").first.click()
    page.wait_for_url(re.compile(r"/core/audit/\d+/$"))
    assert "授予角色" in page.locator("h1").inner_text()
    assert page.locator("dd", has_text="admin").count() >= 1
    assert page.locator("#changes .diff-after").inner_text() == "英南村 · 招商引资 · 审核员"
    assert page.locator("#changes .diff-before").inner_text() == ""
    screenshot(page, "audit_detail")

    page.locator(".breadcrumb a", has_text="审计日志").click()
    page.wait_for_url("**/core/audit/")
    page.click("button:text-is('校验日志链完整性')")
    page.locator("main .alert-success").wait_for()
    assert "审计日志链完整" in messages_text(page)


# --- 5. phone -----------------------------------------------------------------------------------------------


def test_phone_layout_and_menu(phone_page, live_server, jianghai):
    page = phone_page
    login(page, live_server, "xiangqian", DEMO_PASSWORD)
    assert page.evaluate("window.innerWidth") == 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 361, "horizontal scroll on a phone"
    screenshot(page, "phone_home")

    menu = page.locator("#mainnav")
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    assert not menu.is_visible()
    toggler.click()
    page.locator("#mainnav.show").wait_for()  # (not wait_for_function: it evaluates a string, which the CSP forbids)
    assert menu.is_visible()
    assert toggler.get_attribute("aria-expanded") == "true"
    labels = nav_labels(page)
    assert "组织机构" in labels and "企业名录" in labels, labels
    page.click("#nav-basics")
    assert page.locator("#mainnav >> text=组织机构").is_visible()
    screenshot(page, "phone_menu")

    page.click("#mainnav >> text=组织机构")
    page.wait_for_url("**/core/orgunits/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 361, "org list scrolls sideways on a phone"


def test_phone_login_and_detail_pages_fit(phone_page, live_server, jianghai):
    from countyworks.core.models import OrgUnit

    page = phone_page
    page.goto(f"{live_server.url}/login/")
    widths = {"login": page.evaluate("document.documentElement.scrollWidth")}
    login(page, live_server, "xiangqian", DEMO_PASSWORD)
    page.goto(live_server.url + OrgUnit.objects.get(code="440704003201").get_absolute_url())
    widths["orgunit_detail"] = page.evaluate("document.documentElement.scrollWidth")
    assert all(w <= 361 for w in widths.values()), widths


# --- 6. lock-out -------------------------------------------------------------------------------------------


def test_lockout_after_five_failures(page, live_server, jianghai):
    for attempt in range(1, 6):
        login(page, live_server, "lile_zs", f"wrong-{attempt}", expect_success=False)
        if attempt < 5:
            assert "密码" in page.locator("main .alert-danger").inner_text()
    # django-axes locks on the 5th failure itself (AXES_FAILURE_LIMIT=5) …
    assert "账户已被临时锁定" in page.locator("main").inner_text()
    # … and the 6th attempt, with the right password, is refused too
    login(page, live_server, "lile_zs", DEMO_PASSWORD, expect_success=False)
    assert "/login/" in page.url
    assert "账户已被临时锁定" in page.locator("main").inner_text()
    assert page.locator("#mainnav").count() == 0  # not logged in
    screenshot(page, "locked_out")
    # the lock holds on the home page too
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url


def test_confirm_and_print_buttons_work_under_the_csp(page, live_server):
    """The buttons that used inline handlers (now data-confirm / data-print read by core/actions.js):
    a dismissed confirmation deletes nothing, an accepted one deletes; no CSP violation on the way
    (the page fixture fails on one)."""
    from countyworks.core.factories import TEST_PASSWORD, OrgUnitFactory, user_with_role
    from countyworks.core.models import OrgUnit, Programme, RoleKind
    from countyworks.reporting import services as reporting_services
    from countyworks.reporting.models import Bulletin

    district = OrgUnitFactory(name="测试区", kind=OrgUnit.Kind.DISTRICT)
    manager = user_with_role(RoleKind.MANAGER, Programme.DISPATCH, district, username="csp_mgr")
    b = reporting_services.bulletin_create(programme="rural", period="2024-03", unit=district, actor=None)
    login(page, live_server, manager.username, TEST_PASSWORD)
    page.goto(f"{live_server.url}/reporting/bulletins/{b.pk}/")
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.__printed === true")
    page.once("dialog", lambda d: d.dismiss())
    page.get_by_role("button", name="删除草稿").click()
    page.wait_for_timeout(300)
    assert Bulletin.objects.filter(pk=b.pk).exists()
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="删除草稿").click()
    assert not Bulletin.objects.filter(pk=b.pk).exists()


def test_two_factor_enrolment_and_login_on_a_phone(phone_page, live_server, settings):
    """The district manager's first login under COUNTYWORKS_2FA=required, on a 360 px phone: set up
    the authenticator (QR code and key shown), note the recovery codes, then log in again with one."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from countyworks.core.factories import TEST_PASSWORD, OrgUnitFactory, user_with_role
    from countyworks.core.models import OrgUnit, Programme, RoleKind

    settings.TWO_FACTOR = "required"
    district = OrgUnitFactory(name="手机区", kind=OrgUnit.Kind.DISTRICT)
    user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, district, username="otp_mgr")
    page = phone_page
    login(page, live_server, "otp_mgr", TEST_PASSWORD, expect_success=False)
    assert "/core/2fa/setup/" in page.url
    assert page.locator("#otp-qr svg").count() == 1 and page.locator("#otp-secret").inner_text()
    screenshot(page, "twofactor_setup_360")
    assert page.evaluate("document.documentElement.scrollWidth <= 360")  # nothing wider than the phone
    device = TOTPDevice.objects.get(user__username="otp_mgr")
    page.fill("#id_token", f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}")
    page.get_by_role("button", name="确认启用").click()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "twofactor_codes_360")
    page.context.clear_cookies()
    login(page, live_server, "otp_mgr", TEST_PASSWORD, expect_success=False)
    assert "/core/2fa/verify/" in page.url
    page.fill("#id_token", codes[0])
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(f"{live_server.url}/")
