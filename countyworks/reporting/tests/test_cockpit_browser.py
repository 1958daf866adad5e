"""The cockpit in headless Chromium: every programme's blocks are on the page and each programme's
chart script draws its chart (the reporting app's drawer knows no programme; the investment and
rural apps register theirs). Desktop and phone width."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from countyworks.browser_fixtures import login, screenshot
from countyworks.core.models import Programme
from countyworks.dispatch.models import ReportForm, Submission

from .test_cockpit import THROUGH, leader, projects, tree  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _greening(tree):  # noqa: F811
    form = ReportForm.objects.create(
        code="greening", name="乡村绿化周报", programme=Programme.RURAL, owner=tree["district"],
        fields=[{"code": "seedlings_secured", "label": "已落实苗木", "unit": "株"},
                {"code": "trees_planted", "label": "已植树", "unit": "株"}],
        start_date=date(2024, 3, 4), end_date=date(2024, 5, 31))
    form.units.set([tree["va"], tree["vb"]])
    for w, unit, figs in ((date(2024, 3, 4), tree["va"], (100, 60)), (date(2024, 3, 11), tree["va"], (40, 30)),
                          (date(2024, 3, 4), tree["vb"], (50, 20))):
        at = timezone.make_aware(datetime.combine(w + timedelta(days=3), time(9)))
        Submission.objects.create(form=form, unit=unit, week_start=w, status=Submission.Status.SUBMITTED,
                                  figures={"seedlings_secured": figs[0], "trees_planted": figs[1]},
                                  first_submitted_at=at, submitted_at=at)


@pytest.mark.parametrize("width", [1366, 360])
def test_cockpit_blocks_and_charts_of_every_programme(live_server, browser, tree, projects, width):  # noqa: F811
    _greening(tree)
    user = leader(tree["district"], Programme.DISPATCH, Programme.RURAL)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login(page, live_server, user.username, "Test@Pass2024")
        page.goto(f"{live_server.url}/cockpit/?year=2024&through={THROUGH.isoformat()}")
        # investment's blocks: headline, ranking, overdue; dispatch's reporting card; rural's greening card
        assert page.locator("#projects-100m").inner_text().startswith("3")
        assert page.locator("#ranking tbody tr").count() == 2
        assert page.locator("#reporting-rate").count() == 1 and page.locator("#trees-planted").count() == 1
        assert page.locator("#overdue-milestones").count() == 1 and page.locator("#overdue-tasks").count() == 1
        for chart in ("chart-monthly-count", "chart-monthly-investment", "chart-greening"):
            page.wait_for_selector(f"#{chart}[data-drawn='1']", timeout=15000)
        assert not errors, errors
        screenshot(page, f"cockpit_{width}")
    finally:
        context.close()
