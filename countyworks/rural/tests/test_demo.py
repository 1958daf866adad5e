"""The Jianghai rural demo reproduces the seed's greening figures — asserted through the
statistics function over the demo's records — and holds the registers the issue names."""

from datetime import date

import pytest

from countyworks.core.models import OrgUnit
from countyworks.demo.loader import load_demo
from countyworks.reporting.bulletins import bulletin_build
from countyworks.reporting.content import plain_text
from countyworks.rural import selectors
from countyworks.rural.models import CampaignEvent, Designation, PointEntry, Villager


@pytest.mark.django_db
def test_demo_greening_figures_are_the_seeds(settings):
    settings.COUNTYWORKS_TODAY = "2024-04-20"
    load_demo()
    district = OrgUnit.objects.get(name="江海区")
    s = selectors.greening_stats(unit=district, through=date(2024, 3, 31))
    assert (s["training_attendances"], s["sages_visited"], s["party_members"]) == (1998, 497, 2015)
    assert (s["seedlings_secured"], s["trees_planted"]) == (5438, 3732)
    assert (s["villages_total"], s["plan_coverage_pct"], s["grid_coverage_pct"]) == (17, 100.0, 100.0)
    assert 90 < s["survival_pct"] < 100
    text = "".join(plain_text(b) for b in bulletin_build(programme="rural", period="2024-03", unit=district)["blocks"]
                   if b["type"] == "paragraph")
    assert ("全区村（社区）参加乡村绿化培训共1998人次，村“两委”干部走访乡贤共497人，参与“五带头”的农村党员2015人；"
            "全区村（社区）已全覆盖制定工作计划（含绿化示意图）和建立网格化管护机制，目前已落实苗木数量5438株，已植树3732株。") in text
    levels = {}
    for name in Designation.objects.values_list("level__name", flat=True):
        levels[name] = levels.get(name, 0) + 1
    assert levels["省级首批典型村"] == 7 and levels["市级典型镇"] == 2 and levels["市级典型村"] == 17
    e = CampaignEvent.objects.get(place="白水带茶花园")
    assert (e.volunteers, e.trees, e.organiser.name) == (60, 40, "区妇联") and e.report is not None  # counted once
    xq = Villager.objects.filter(unit__name="向前村")
    assert xq.count() == 8 and PointEntry.objects.filter(kind="reversal").count() == 1
    assert all("*" in v.phone_masked for v in xq)
    counts = (Designation.objects.count(), PointEntry.objects.count(), CampaignEvent.objects.count())
    load_demo()  # loading twice changes nothing
    assert (Designation.objects.count(), PointEntry.objects.count(), CampaignEvent.objects.count()) == counts
