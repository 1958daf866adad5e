"""The figures: overdue (one rule), statistics arithmetic, campaign progress per team."""

from datetime import date

import pytest

from countyworks.safety import selectors, services
from countyworks.safety.models import Hazard
from countyworks.safety.workflows import HAZARD_FLOW

from .conftest import inspect, photo

pytestmark = pytest.mark.django_db


def close(town, h, day):
    HAZARD_FLOW.apply(h, "issue_notice", actor=town.inspector3)
    HAZARD_FLOW.apply(h, "start", actor=town.property_user)
    services.hazard_submit_rectification(hazard=h, actor=town.property_user, note="已整改", photos=[photo()])
    HAZARD_FLOW.apply(h, "recheck_pass", actor=town.inspector3)
    HAZARD_FLOW.apply(h, "close", actor=town.inspector3)
    Hazard.objects.filter(pk=h.pk).update(closed_on=day)


def test_overdue_is_one_rule(town, settings):
    h = inspect(town, failed=(4,)).hazards.get()  # deadline 2024-03-25
    assert not selectors.is_overdue(h, date(2024, 3, 25))
    assert selectors.is_overdue(h, date(2024, 3, 26))
    settings.COUNTYWORKS_TODAY = "2024-03-27"
    assert selectors.overdue_days(h) == 2
    assert list(selectors.overdue_hazards()) == [h]
    close(town, h, date(2024, 3, 27))
    h.refresh_from_db()
    assert not selectors.is_overdue(h)
    assert not selectors.overdue_hazards().exists()


def test_stats_arithmetic(town, settings):
    insp = inspect(town, failed=(1, 2, 4))  # 3 hazards at 金溪 by team 3, found 03-18
    h1, h2, h3 = insp.hazards.order_by("pk")
    Hazard.objects.filter(pk=h3.pk).update(level="major")
    close(town, h1, date(2024, 3, 20))  # 2 days
    close(town, h2, date(2024, 3, 22))  # 4 days — after 03-20, so open as of 03-20
    settings.COUNTYWORKS_TODAY = "2024-03-30"
    inspect(town, obj=town.lile_site, failed=(), actor=town.inspector5, team=town.team5, day=date(2024, 3, 19))
    s = selectors.safety_stats(through=date(2024, 3, 30))
    assert (s["objects_inspected"], s["inspections"]) == (2, 2)
    assert (s["hazards_found"], s["hazards_major"], s["hazards_closed"]) == (3, 1, 2)
    assert s["rectification_pct"] == 66.7
    assert s["hazards_overdue"] == 1  # h3, deadline 03-25, not closed
    assert s["median_days_to_close"] == 3
    team3 = next(r for r in s["by_team"] if r["name"] == "专项督导检查组第3组")
    assert (team3["hazards_found"], team3["hazards_closed"], team3["inspections"]) == (3, 2, 1)
    team5 = next(r for r in s["by_team"] if r["name"] == "专项督导检查组第5组")
    assert (team5["hazards_found"], team5["inspections"], team5["rectification_pct"]) == (0, 1, None)
    assert {r["name"]: r["hazards_found"] for r in s["by_unit"]} == {"外海街道": 3, "礼乐街道": 0}
    assert s["by_category"][0]["name"] == "电动自行车集中停放点"
    # as of 03-20: only h1 closed, nothing overdue yet
    s20 = selectors.safety_stats(through=date(2024, 3, 20))
    assert (s20["hazards_closed"], s20["hazards_overdue"], s20["inspections"]) == (1, 0, 2)
    # one unit's figures
    lile = selectors.safety_stats(unit=town.lile, through=date(2024, 3, 30))
    assert (lile["inspections"], lile["hazards_found"]) == (1, 0)


def test_campaign_progress_per_team(town):
    services.object_create(actor=town.office, name="外海花园小区", category=town.property_cat, unit=town.waihai)
    inspect(town, failed=(4,))
    rows = {r["team"].name: r for r in selectors.campaign_progress(town.campaign)}
    t3 = rows["专项督导检查组第3组"]
    assert (t3["objects_planned"], t3["objects_inspected"], t3["hazards_found"]) == (2, 1, 1)
    assert t3["progress_pct"] == 50.0
    assert t3["by_level"]["general"]["found"] == 1 and t3["by_level"]["major"]["found"] == 0
    t5 = rows["专项督导检查组第5组"]
    assert (t5["objects_planned"], t5["objects_inspected"]) == (1, 0)


def test_empty_stats_say_nothing_false(db):
    s = selectors.safety_stats()
    assert s["hazards_found"] == 0 and s["rectification_pct"] is None and s["median_days_to_close"] is None
