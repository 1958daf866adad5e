"""The safety demo reflects the seed's campaign: 8 teams, objects in every category, hazards in
every state, a few overdue on the demo's day, one major under 挂牌督办; loading twice changes
nothing."""

from datetime import date

import pytest

from countyworks.core.audit import audit_verify
from countyworks.core.models import OrgUnit
from countyworks.demo.jianghai import load_org_and_accounts
from countyworks.demo.safety import CAMPAIGN, load_safety
from countyworks.safety import selectors
from countyworks.safety.models import Campaign, Hazard, InspectedObject, Inspection, ObjectCategory


@pytest.mark.django_db
def test_safety_demo(settings):
    load_org_and_accounts()
    load_safety()
    settings.COUNTYWORKS_TODAY = "2024-03-29"
    c = Campaign.objects.get(name=CAMPAIGN)
    assert c.teams.count() == 8 and c.lead_bureau.name == "区住建局(交通局)"
    assert set(ObjectCategory.objects.filter(builtin=True).values_list("pk", flat=True)) <= set(
        InspectedObject.objects.values_list("category", flat=True))
    assert set(Hazard.objects.values_list("status", flat=True)) == set(Hazard.Status.values)
    overdue = selectors.overdue_hazards(day=date(2024, 3, 29))
    assert 2 <= overdue.count() <= 6
    supervised = list(selectors.supervised_open())
    assert len(supervised) == 1 and supervised[0].level == "major"
    progress = {r["team"].name: r for r in selectors.campaign_progress(c, through=date(2024, 3, 29))}
    assert all(r["objects_planned"] and r["objects_inspected"] == r["objects_planned"] for r in progress.values())
    district = OrgUnit.objects.get(name="江海区")
    s = selectors.safety_stats(unit=district, through=date(2024, 3, 29))
    assert s["hazards_found"] == Hazard.objects.count() and s["hazards_closed"] >= 5
    assert any(h.extensions.filter(status="approved").exists() for h in Hazard.objects.all())
    assert audit_verify().ok
    n = (Inspection.objects.count(), Hazard.objects.count())
    load_safety()
    assert (Inspection.objects.count(), Hazard.objects.count()) == n
