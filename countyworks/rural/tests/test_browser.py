"""The rural journey on a phone (360 px) in headless Chromium: the 向前村 operator writes the
village's greening work plan, uploads the greening map from the phone and sees it on the page,
submits it to the town; the 礼乐街道 reviewer approves it; the operator submits the week's figures
with a photo and sees the village's progress against its plan. Run with `pytest -m browser`."""

import re

import pytest

from countyworks.browser_fixtures import screenshot
from countyworks.dispatch.tests.test_browser import XIANGQIAN, as_user, jianghai, scroll_width, tiny_png  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TIMEOUT_MS = 20_000


def test_plan_map_and_progress_on_a_phone(page, phone_page, live_server, jianghai, tmp_path):  # noqa: F811
    from countyworks.rural.models import GreeningPlan

    phone = phone_page
    for p in (page, phone):
        p.set_default_timeout(TIMEOUT_MS)
    year = jianghai["this_week"].year
    as_user(phone, live_server, "xiangqian")
    phone.goto(f"{live_server.url}/rural/plans/new/")
    assert phone.locator("#id_unit option:checked").inner_text().strip() == "向前村"
    phone.locator("#id_year").fill(str(year))
    phone.locator("#id_seedlings_planned").fill("200")
    phone.locator("#id_trees_planned").fill("150")
    phone.locator("#id_species").fill("铁冬青、樟树")
    assert phone.locator("#id_map").get_attribute("accept") == "image/*,application/pdf"
    phone.locator("#id_map").set_input_files(str(tiny_png(tmp_path / "向前村绿化示意图.png", size=16)))
    assert scroll_width(phone) <= 361
    phone.get_by_role("button", name="保存").click()
    phone.wait_for_url(re.compile(r"/rural/plans/\d+/$"))
    img = phone.locator("#greening-map")
    img.evaluate("i => i.complete || new Promise(r => { i.onload = r; i.onerror = r; })")
    assert img.evaluate("i => i.naturalWidth") == 16, "the uploaded map is not shown on the page"
    assert scroll_width(phone) <= 361, f"horizontal scroll on the plan page: {scroll_width(phone)}px"
    screenshot(phone, "rural_plan_with_map")
    phone.get_by_role("button", name="提交镇（街）审批").click()
    phone.wait_for_url(re.compile(r"/rural/plans/\d+/$"))
    plan = GreeningPlan.objects.get(unit__code=XIANGQIAN, year=year)
    assert plan.status == "submitted"
    assert phone.locator("[data-flow-state]").inner_text() == "待镇（街）审批"

    as_user(page, live_server, "lile_sh")
    page.goto(f"{live_server.url}/rural/")
    page.locator("#to-approve a", has_text="向前村").click()
    page.get_by_role("button", name="审批通过").click()
    page.wait_for_url(f"**/rural/plans/{plan.pk}/")
    assert page.locator("[data-flow-state]").inner_text() == "已审批"

    # the week's figures with a photo (the weekly dispatch form), then the progress against the plan
    phone.goto(f"{live_server.url}/dispatch/")
    phone.locator("#my-weeks .week-card").get_by_role("link", name="填报本周").click()
    phone.locator("#id_fig_seedlings_secured").fill("60")
    phone.locator("#id_fig_trees_planted").fill("45")
    phone.locator("#id_fig_training").fill("12")
    phone.locator("#id_photos").set_input_files(str(tiny_png(tmp_path / "植树现场.png")))
    phone.get_by_role("button", name="提交", exact=True).click()
    phone.wait_for_url(re.compile(r"/dispatch/submissions/\d+/$"))
    phone.goto(f"{live_server.url}/rural/plans/{plan.pk}/")
    progress = phone.locator("#progress").inner_text()
    assert "已落实苗木 100 / 200 株" in progress and "已植树 45 / 150 株" in progress, progress  # 40 last week + 60
    assert "30.0%" in progress  # 45 of 150 trees
    assert scroll_width(phone) <= 361
    screenshot(phone, "rural_plan_progress")
