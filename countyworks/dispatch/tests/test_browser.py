"""The weekly dispatch journey in headless Chromium (Playwright, sync API), DESIGN.md §10 journey 5:
on a phone, the 向前村 operator fills this week's greening figures with a site photo and submits;
the 礼乐街道 reviewer returns it with a reason; the operator sees the return in the notifications,
corrects a figure and resubmits; the reviewer approves and the week is locked. The reminder job
then reminds only 英南村, which has not reported last week; and the 区农业农村和水利局 manager
generates the month's rural bulletin, whose 已植树 figure is the corrected, approved one and
opens the list of the submissions it counts.

Run with `pytest -m browser`; needs Debian's /usr/bin/chromium (`make browser-deps`). The fixtures
live in countyworks/browser_fixtures.py; SCREENSHOTS=1 saves screenshots of the key pages."""

import importlib
import re
import struct
import zlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from countyworks.browser_fixtures import login, screenshot
from countyworks.demo.jianghai import DEMO_PASSWORD, load_org_and_accounts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 20_000
XIANGQIAN, YINGNAN = "440704003201", "440704003202"
FIELDS = [
    {"code": "seedlings_secured", "label": "已落实苗木", "unit": "株", "required": True},
    {"code": "trees_planted", "label": "已植树", "unit": "株", "required": True},
    {"code": "training", "label": "培训人次", "unit": "人次", "required": True},
]
RULES = [
    {
        "type": "cumulative_lte",
        "left": "trees_planted",
        "right": "seedlings_secured",
        "message": "累计已植树不能超过累计已落实苗木",
    }
]
RETURN_REASON = "已植树数与村里台账不符（台账为48株），请核实后重新报送"


def tiny_png(path, size=8, rgb=(46, 125, 50)):
    """A real (if tiny) PNG: one green square."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * size
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(png)
    return path


@pytest.fixture
def jianghai(live_server, settings):
    """The Jianghai org tree and demo accounts (with the industry catalogue and the investment
    defaults that transactional flushes remove), and a small weekly greening report of 向前村 and
    英南村 that started three weeks ago. 向前村 reported last week on time (approved: seedlings
    secured, nothing planted yet); 英南村 did not."""
    from countyworks.core.models import Industry, OrgUnit
    from countyworks.dispatch import services
    from countyworks.dispatch.models import ReportForm, Submission
    from countyworks.dispatch.selectors import monday

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    catalogue = importlib.import_module("countyworks.core.migrations.0002_industry_catalogue").CATALOGUE
    for code, name, tier, order in catalogue:
        Industry.objects.get_or_create(code=code, defaults={"name": name, "tier": tier, "sort_order": order})
    importlib.import_module("countyworks.investment.migrations.0002_six_good_defaults").load(apps, None)
    users = {u.username: u for u in load_org_and_accounts()}
    units = {u.code: u for u in OrgUnit.objects.all()}

    this_week = monday(timezone.localdate())
    last_week = this_week - timedelta(days=7)
    form = ReportForm.objects.create(
        code="greening",
        name="乡村绿化周报",
        programme="rural",
        owner=units["JH-B02"],
        fields=FIELDS,
        rules=RULES,
        start_date=this_week - timedelta(days=21),
    )
    form.units.set([units[XIANGQIAN], units[YINGNAN]])

    prev = services.submission_save(
        form=form,
        unit=units[XIANGQIAN],
        week_start=last_week,
        figures={"seedlings_secured": 40, "trees_planted": 0, "training": 15},
        text="落实苗木40株，组织绿化培训。",
        actor=users["xiangqian"],
    )
    at = form.due_at(last_week) - timedelta(hours=4)
    Submission.objects.filter(pk=prev.pk).update(first_submitted_at=at, submitted_at=at)
    services.submission_review(submission=prev, actor=users["lile_sh"], approve=True)
    return {"users": users, "units": units, "form": form, "this_week": this_week, "last_week": last_week}


def as_user(page, live_server, username):
    """Log out (drop the session cookie) and log in as `username`."""
    page.context.clear_cookies()
    login(page, live_server, username, DEMO_PASSWORD)


def messages_text(page):
    return " ".join(page.locator("main .alert").all_inner_texts())


def scroll_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_weekly_dispatch_journey(page, phone_page, live_server, jianghai, tmp_path, settings):
    from countyworks.dispatch import services
    from countyworks.dispatch.models import Notification, Reminder, Submission
    from countyworks.dispatch.selectors import week_label

    phone = phone_page
    for p in (page, phone):
        p.set_default_timeout(TIMEOUT_MS)
        p.set_default_navigation_timeout(TIMEOUT_MS)
    form, users = jianghai["form"], jianghai["users"]
    this_label = week_label(jianghai["this_week"])
    last_label = week_label(jianghai["last_week"])
    photo = tiny_png(tmp_path / "植树现场.png")

    # --- 1. on a phone, the 向前村 operator opens 周调度 and submits this week ---------------------------
    as_user(phone, live_server, "xiangqian")
    phone.locator("button.navbar-toggler").click()
    phone.locator("#mainnav .nav-link", has_text="周调度").click()
    phone.wait_for_url("**/dispatch/")
    card = phone.locator("#my-weeks .week-card")
    assert card.count() == 1
    text = card.inner_text()
    assert "向前村" in text and "乡村绿化周报" in text and f"{this_label}（本周）" in text, text
    assert f"上周 {last_label}" in text and "按时" in text, text  # last week: reported on time
    screenshot(phone, "dispatch_operator_home")
    card.get_by_role("link", name="填报本周").click()
    phone.wait_for_url(re.compile(rf"/dispatch/forms/{form.pk}/submit/\?unit=\d+&week="))
    main = phone.locator("main").inner_text()
    assert "乡村绿化周报" in phone.locator("h1").inner_text()
    assert "向前村" in main and this_label in main, main
    assert scroll_width(phone) <= 361, f"horizontal scroll on the submission form: {scroll_width(phone)}px"

    phone.locator("#id_fig_seedlings_secured").fill("30")
    phone.locator("#id_fig_trees_planted").fill("58")  # a typo: the village's ledger says 48
    phone.locator("#id_fig_training").fill("12")
    phone.locator("#id_text").fill("组织党员群众在村道两侧植树，补种苗木30株。")
    phone.locator("#id_photos").set_input_files(str(photo))
    assert scroll_width(phone) <= 361
    screenshot(phone, "dispatch_submit_form")
    phone.get_by_role("button", name="提交", exact=True).click()
    phone.wait_for_url(re.compile(r"/dispatch/submissions/\d+/$"))
    sub = Submission.objects.get(form=form, unit__code=XIANGQIAN, week_start=jianghai["this_week"])
    assert f"{this_label}周报已提交" in messages_text(phone)
    assert phone.locator("#sub-status").inner_text() == "已提交"
    figures = phone.locator("#figures").inner_text()
    assert "58" in figures and "30" in figures, figures
    img = phone.locator("#photos img")
    assert img.count() == 1 and img.get_attribute("alt") == "植树现场.png"
    img.evaluate("i => i.complete || new Promise(r => { i.onload = r; i.onerror = r; })")
    assert img.evaluate("i => i.naturalWidth") == 8, "the uploaded photo is not shown"
    assert scroll_width(phone) <= 361
    screenshot(phone, "dispatch_submitted")

    # --- 2. the 礼乐街道 reviewer opens it from the status grid and returns it with a reason ---------------
    as_user(page, live_server, "lile_sh")
    page.goto(f"{live_server.url}/dispatch/")
    row = page.locator("#status-grids table.status-grid tbody tr", has_text="向前村")
    row.locator("td.cell a").last.click()
    page.wait_for_url(f"**/dispatch/submissions/{sub.pk}/")
    assert "向前村" in page.locator("h1").inner_text() and this_label in page.locator("h1").inner_text()
    assert "58" in page.locator("#figures").inner_text()
    review = page.locator("#review")
    review.get_by_role("button", name="退回").click()  # without a reason: refused
    page.locator("#review .invalid-feedback").wait_for()
    assert "退回必须填写原因" in page.locator("#review").inner_text()
    assert page.locator("#sub-status").inner_text() == "已提交"
    page.locator("#review textarea[name=reason]").fill(RETURN_REASON)
    page.locator("#review").get_by_role("button", name="退回").click()
    page.wait_for_url(f"**/dispatch/submissions/{sub.pk}/")
    page.locator("#return-reason").wait_for()
    assert "已退回填报单位" in messages_text(page)
    assert page.locator("#sub-status").inner_text() == "已退回"
    assert RETURN_REASON in page.locator("#return-reason").inner_text()
    assert page.locator("#review").count() == 0
    screenshot(page, "dispatch_returned")

    # --- 3. the operator sees the notification, corrects the figure and resubmits ----------------------------
    phone.goto(f"{live_server.url}/dispatch/")
    assert phone.locator("#unread-badge").inner_text() == "1"
    card_text = phone.locator("#my-weeks .week-card").inner_text()
    assert "已退回" in card_text and f"退回原因：{RETURN_REASON}" in card_text, card_text
    phone.locator("#nav-bell").click()
    phone.wait_for_url("**/core/notifications/")
    note = phone.locator("#notifications .list-group-item", has_text=RETURN_REASON)
    assert note.count() == 1
    assert "未读" in note.inner_text() and "被退回" in note.inner_text()
    assert scroll_width(phone) <= 361
    screenshot(phone, "dispatch_notification_returned")
    note.locator("a").click()
    phone.wait_for_url(f"**/dispatch/submissions/{sub.pk}/")
    assert RETURN_REASON in phone.locator("#return-reason").inner_text()
    phone.get_by_role("link", name="修改后重新提交").click()
    phone.wait_for_url(re.compile(rf"/dispatch/forms/{form.pk}/submit/\?"))
    assert RETURN_REASON in phone.locator("#return-note").inner_text()
    assert phone.locator("#id_fig_trees_planted").input_value() == "58"
    assert phone.locator("#photos img").count() == 1  # the photo sent the first time is kept
    assert scroll_width(phone) <= 361
    phone.locator("#id_fig_trees_planted").fill("48")
    phone.get_by_role("button", name="提交", exact=True).click()
    phone.wait_for_url(f"**/dispatch/submissions/{sub.pk}/")
    assert phone.locator("#sub-status").inner_text() == "已提交"
    assert "48" in phone.locator("#figures").inner_text()
    assert phone.locator("#return-reason").count() == 0
    # the notification was read when it was opened
    assert phone.locator("#unread-badge").count() == 0

    # --- 4. the reviewer approves: the week is locked ---------------------------------------------------
    page.goto(f"{live_server.url}/dispatch/submissions/{sub.pk}/")
    assert "48" in page.locator("#figures").inner_text()
    page.locator("#review").get_by_role("button", name="审核通过").click()
    page.locator("#reopen").wait_for()
    assert "审核通过，本周已锁定" in messages_text(page)
    assert page.locator("#sub-status").inner_text() == "已审核"
    assert "已锁定" in page.locator("h1").inner_text()
    history = page.locator("#history").inner_text()
    assert f"退回：{RETURN_REASON}" in history and "审核通过，已锁定" in history, history
    screenshot(page, "dispatch_approved")

    phone.goto(f"{live_server.url}/dispatch/")
    card = phone.locator("#my-weeks .week-card")
    assert "已审核锁定" in card.inner_text()
    card.get_by_role("link", name="查看本周（已锁定）").click()
    phone.wait_for_url(re.compile(rf"/dispatch/forms/{form.pk}/submit/\?"))
    assert "本周已审核锁定" in phone.locator("#locked-note").inner_text()
    assert phone.locator("#id_fig_trees_planted").input_value() == "48"
    assert phone.locator("#id_fig_trees_planted").is_disabled()
    assert phone.get_by_role("button", name="提交", exact=True).count() == 0
    assert phone.locator("#photos img").count() == 1
    assert scroll_width(phone) <= 361
    screenshot(phone, "dispatch_locked")

    # --- 5. the reminder job: only 英南村 owes last week's report --------------------------------------------
    now = form.due_at(jianghai["last_week"]) + timedelta(hours=1)
    sent = services.remind(now=now, forms=[form], week_start=jianghai["last_week"])
    assert len(sent) == 1 and "英南村" in sent[0] and "尚未报送" in sent[0], sent
    assert services.remind(now=now, forms=[form], week_start=jianghai["last_week"]) == []  # sent once
    assert list(Reminder.objects.values_list("unit__code", flat=True)) == [YINGNAN]
    assert not Notification.objects.filter(user=users["xiangqian"], text__contains="周调度提醒").exists()

    as_user(phone, live_server, "yingnan")
    assert phone.locator("#unread-badge").inner_text() == "1"
    phone.locator("#nav-bell").click()
    phone.wait_for_url("**/core/notifications/")
    items = phone.locator("#notifications .list-group-item")
    assert items.count() == 1
    assert f"【周调度提醒】英南村：{last_label}“乡村绿化周报”尚未报送" in items.first.inner_text()
    screenshot(phone, "dispatch_reminder")

    # --- 6. once the week is over, the district generates the month's rural bulletin; 已植树 is the
    # approved figure (a bulletin counts the weeks that have ended by its date) -------------------------
    sunday = jianghai["this_week"] + timedelta(days=6)
    settings.COUNTYWORKS_TODAY = sunday.isoformat()
    as_user(page, live_server, "nyj")
    page.locator("#mainnav .nav-link", has_text="月通报").click()
    page.wait_for_url("**/reporting/bulletins/")
    page.locator("main").get_by_role("link", name="新增").click()
    page.wait_for_url("**/reporting/bulletins/new/")
    assert page.locator("h1").inner_text() == "生成月通报"
    month = sunday.strftime("%Y-%m")
    page.locator("[name=programme]").select_option("rural")
    page.locator("[name=period]").fill(month)
    assert "江海区" in page.locator("[name=unit] option:checked").inner_text()
    page.get_by_role("button", name="生成通报").click()
    page.wait_for_url(re.compile(r"/reporting/bulletins/\d+/$"))
    assert "已生成通报草稿" in messages_text(page)
    sentence = page.locator("#bulletin p.b-p", has_text="已植树").first.inner_text()
    # 40 + 30 seedlings over the two weeks; 0 + 48 trees: the corrected figure, not the 58 first sent
    assert "目前已落实苗木数量70株" in sentence and "已植树48株" in sentence, sentence
    assert "58" not in sentence
    screenshot(page, "dispatch_bulletin")
    page.locator("#bulletin p.b-p a.ref", has_text=re.compile(r"^48$")).click()
    page.wait_for_url(re.compile(r"/reporting/bulletins/\d+/figures/green\.trees_planted/$"))
    assert page.locator("#figure-value").inner_text() == "48"
    rows = page.locator("#figure-records tbody tr")
    records = page.locator("#figure-records").inner_text()
    assert rows.count() == 2, records  # 向前村's two weeks
    this_row = rows.filter(has_text=this_label)
    row_text = this_row.inner_text()
    assert "向前村" in row_text and "已审核" in row_text and "已植树 48株" in row_text, row_text
    assert page.locator("#figure-total").inner_text() == "48"
    screenshot(page, "dispatch_bulletin_figure")
    this_row.get_by_role("link", name="向前村").click()
    page.wait_for_url(f"**/dispatch/submissions/{sub.pk}/")
    assert page.locator("#sub-status").inner_text() == "已审核"
