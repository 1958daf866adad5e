"""The main investment journey in headless Chromium (Playwright, sync API), DESIGN.md §10 journeys 1–4:
a field office registers a lead (with the live duplicate warning), the district scores it on the
six-good scorecard, the admission review meeting approves it, it is signed as a project whose
开工 date is recorded, and the year's statistics count it.

Run with `pytest -m browser`; needs Debian's /usr/bin/chromium (`make browser-deps`). The fixtures
live in countyworks/browser_fixtures.py; SCREENSHOTS=1 saves screenshots of the key pages."""

import importlib
import random
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from countyworks.browser_fixtures import login, screenshot
from countyworks.core.identifiers import random_credit_code
from countyworks.demo.jianghai import DEMO_PASSWORD, load_org_and_accounts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 20_000
NEW_NAME = "深圳市鹏程智能装备有限公司"
LILE_NAME = "江门市礼乐新能源电池有限公司"


@pytest.fixture
def jianghai(live_server, settings):
    """The Jianghai org tree and demo accounts, the industry catalogue, the six-good scorecard and
    the investment indicators — transactional tests flush the rows the data migrations wrote, so
    they are put back here — and one open lead of 礼乐街道 (for the duplicate warning)."""
    from countyworks.core import services as core_services
    from countyworks.core.models import Industry, OrgUnit
    from countyworks.investment import services
    from countyworks.investment.models import Lead

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    catalogue = importlib.import_module("countyworks.core.migrations.0002_industry_catalogue").CATALOGUE
    for code, name, tier, order in catalogue:
        Industry.objects.get_or_create(code=code, defaults={"name": name, "tier": tier, "sort_order": order})
    importlib.import_module("countyworks.investment.migrations.0002_six_good_defaults").load(apps, None)
    users = {u.username: u for u in load_org_and_accounts()}

    rng = random.Random(20240301)
    lile_code = random_credit_code(rng)
    new_code = random_credit_code(rng)
    assert lile_code != new_code
    lile_ent = core_services.enterprise_create(actor=None, name=LILE_NAME, credit_code=lile_code)
    lile_lead = services.lead_create(actor=users["lile_zs"], unit=OrgUnit.objects.get(code="440704003000"),
                                     enterprise=lile_ent, title="新能源电池扩产项目", source=Lead.Source.VISIT)
    return {"users": users, "lile_code": lile_code, "lile_lead": lile_lead, "new_code": new_code}


def as_user(page, live_server, username):
    """Log out (drop the session cookie) and log in as `username`."""
    page.context.clear_cookies()
    login(page, live_server, username, DEMO_PASSWORD)


def messages_text(page):
    return " ".join(page.locator("main .alert").all_inner_texts())


def score_all(page, live_server, lead, fraction):
    """On the six-good form, give every criterion `fraction` of its maximum; submit; land on the scorecard."""
    page.goto(f"{live_server.url}/investment/leads/{lead.pk}/")
    page.get_by_role("link", name="评分", exact=True).click()
    page.wait_for_url(f"**/investment/leads/{lead.pk}/evaluate/")
    inputs = page.locator("form input[type=number]")
    n = inputs.count()
    assert n == 16, f"expected the 16 criteria of the six-good scorecard, got {n}"
    for i in range(n):
        box = inputs.nth(i)
        maxp = Decimal(box.get_attribute("max"))
        box.fill(f"{maxp * Decimal(fraction):.1f}")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_url(f"**/investment/leads/{lead.pk}/scorecard/")
    assert "六好评价已提交" in messages_text(page)


def test_investment_journey(page, live_server, jianghai):
    from countyworks.investment.models import Lead, Milestone, Project

    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    today = timezone.localdate()

    # --- 1. the field office registers a lead ------------------------------------------------------------
    as_user(page, live_server, "zsz")
    page.goto(f"{live_server.url}/investment/leads/")
    page.get_by_role("link", name="新增").click()
    page.wait_for_url("**/investment/leads/new/")
    # the field office's defaults: source 驻点招商 from 驻深圳招商办事处
    assert page.locator("[name=source] option:checked").inner_text() == "驻点招商"
    assert page.locator("[name=unit] option:checked").inner_text().strip() == "驻深圳招商办事处"

    # typing the credit code of 礼乐街道's open lead warns before saving (htmx, while typing)
    page.get_by_label("统一社会信用代码").fill(jianghai["lile_code"])
    warning = page.locator("#dup-live #duplicate-warning")
    warning.wait_for()
    text = warning.inner_text()
    assert "礼乐街道" in text and jianghai["lile_lead"].code in text and "统一社会信用代码相同" in text, text
    # 礼乐街道's lead is named, not linked: the field office may not open it
    assert warning.locator("a").count() == 0
    screenshot(page, "inv_lead_duplicate_warning")

    # the new enterprise: no warning any more
    page.get_by_label("企业名称").fill(NEW_NAME)
    page.get_by_label("统一社会信用代码").fill(jianghai["new_code"])
    warning.wait_for(state="detached")
    page.locator("[name=title]").fill("智能装备华南生产基地项目")
    page.locator("[name=source]").select_option(label="驻点招商")
    page.locator("[name=intended_investment]").fill("30000")
    page.locator("[name=land_need_mu]").fill("80")
    page.locator("[name=description]").fill("企业拟在江海区建设华南生产基地，已赴深圳总部洽谈两次。")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/investment/leads/\d+/$"))
    assert "线索已登记" in messages_text(page)
    lead = Lead.objects.get(enterprise__credit_code=jianghai["new_code"])
    assert page.locator("h1").inner_text().startswith("智能装备华南生产基地项目")
    body = page.locator("main").inner_text()
    assert lead.code in body and NEW_NAME in body and jianghai["new_code"] in body
    assert "驻点招商（驻深圳招商办事处）" in body
    assert "新线索" in page.locator("#status-card").inner_text()
    screenshot(page, "inv_lead_detail")

    # --- 2. the district scores it on the six-good scorecard -------------------------------------------------
    as_user(page, live_server, "tzcj")
    score_all(page, live_server, lead, 1)  # full marks
    assert page.locator("#total").inner_text() == "100.0"
    assert page.locator("#grade").inner_text() == "A"

    as_user(page, live_server, "tzcj_ps")
    score_all(page, live_server, lead, Decimal("0.5"))  # half marks: the average is 75
    assert page.locator("#total").inner_text() == "75.0"
    assert page.locator("#grade").inner_text() == "B"
    header = page.locator("table.scorecard thead").inner_text()
    assert "区投资促进中心" in header and "区投资促进中心评审员" in header, header
    assert page.locator("table.scorecard tr.criterion-row").count() == 16
    screenshot(page, "inv_scorecard")

    # --- 3. the admission review meeting approves it --------------------------------------------------------
    as_user(page, live_server, "tzcj")
    page.goto(f"{live_server.url}/investment/meetings/")
    page.get_by_role("link", name="新增").click()
    page.wait_for_url("**/investment/meetings/new/")
    page.locator("[name=date]").fill(today.isoformat())
    page.locator("[name=place]").fill("区政府三楼会议室")
    page.locator("[name=chair]").fill("分管副区长")
    page.locator("[name=participants]").select_option(label="区自然资源局")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/investment/meetings/\d+/$"))
    assert "评审会已安排" in messages_text(page)
    meeting_url = page.url
    assert "议程为空" in page.locator("main").inner_text()

    page.locator("[name=lead]").select_option(value=str(lead.pk))
    page.get_by_role("button", name="列入议程").click()
    page.wait_for_url(meeting_url)
    assert f"已将线索 {lead.code} 列入议程" in messages_text(page)
    item = page.locator(".agenda-item").first
    assert "智能装备华南生产基地项目" in item.inner_text() and "75.0" in item.inner_text()

    item.locator("summary").click()
    item.locator("[name=decision]").select_option(label="通过")
    item.locator("[name=notes]").fill("符合产业体系，同意准入。")
    item.get_by_role("button", name="保存结论").click()
    page.wait_for_url(meeting_url)
    assert f"已记录 {lead.code} 的评审结论：通过" in messages_text(page)
    assert page.locator(".agenda-item .badge").first.inner_text() == "通过"
    screenshot(page, "inv_meeting")

    with page.expect_popup() as popup_info:
        page.get_by_role("link", name="打印会议纪要").click()
    record = popup_info.value
    record.wait_for_load_state()
    assert record.url.endswith("/record/")
    assert record.locator("h1").inner_text() == "江海区招商引资项目准入联席评审会议纪要"
    row = record.locator("tbody tr").first
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert "智能装备华南生产基地项目" in cells[1] and lead.code in cells[1], cells
    assert cells[2] == NEW_NAME and cells[5] == "通过", cells
    assert "区自然资源局" in record.locator(".meta").inner_text()
    screenshot(record, "inv_meeting_record")
    record.close()

    # --- 4. sign the project and record 开工 -------------------------------------------------------------
    page.goto(f"{live_server.url}/investment/leads/{lead.pk}/")
    assert "通过" in page.locator("main").inner_text()
    page.get_by_role("link", name="签约", exact=True).click()
    page.wait_for_url(f"**/investment/leads/{lead.pk}/sign/")
    assert page.input_value("[name=name]") == "智能装备华南生产基地项目"
    page.locator("[name=signed_date]").fill(today.isoformat())
    page.locator("[name=planned_investment]").fill("25000")
    page.locator("[name=plan_started]").fill((today + timedelta(days=90)).isoformat())
    screenshot(page, "inv_sign_form")
    page.get_by_role("button", name="确认签约").click()
    page.wait_for_url(re.compile(r"/investment/projects/\d+/$"))
    assert "项目已签约" in messages_text(page)
    project = Project.objects.get(lead=lead)
    dl = page.locator("main dl").inner_text()
    assert project.code in dl and re.search(r"计划总投资\s*25,?000 万元", dl), dl
    assert today.isoformat() in dl and lead.code in dl

    started = today  # today is in the current year and never earlier than the signing date
    page.locator("[name=kind]").select_option(label="开工")
    page.locator("[name=actual_date]").fill(started.isoformat())
    page.locator("[name=note]").fill("举行开工仪式")
    page.get_by_role("button", name="保存节点").click()
    page.wait_for_url(re.compile(r"/investment/projects/\d+/"))
    assert "已更新节点“开工”" in messages_text(page)
    started_row = page.locator("table.timeline tbody tr", has=page.locator("td", has_text=re.compile("^开工$")))
    assert started.isoformat() in started_row.inner_text()
    assert Milestone.objects.get(project=project, kind=Milestone.Kind.STARTED).actual_date == started
    screenshot(page, "inv_project")

    # --- 5. the year's statistics count it ----------------------------------------------------------------
    page.goto(f"{live_server.url}/investment/stats/?year={today.year}")
    assert page.locator("#projects-100m").inner_text() == "1 个"
    assert page.locator("#investment-100m").inner_text() == "2.5 亿元"
    assert page.locator("#median-days").inner_text() == "0 天"
    assert "江海区" in page.locator("main").inner_text()
    screenshot(page, "inv_stats")
