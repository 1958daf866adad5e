"""The Jianghai demo reproduces the seed's figures — asserted through the statistics
functions over the demo's records, never through stored numbers."""

from datetime import date

import pytest

from countyworks.core.models import OrgUnit
from countyworks.demo.loader import load_demo
from countyworks.investment.models import Milestone, Project
from countyworks.investment.selectors import field_office_stats, investment_stats


@pytest.mark.django_db
def test_demo_reproduces_the_seed():
    load_demo()
    district = OrgUnit.objects.get(name="江海区")
    s = investment_stats(year=2023, unit=district, through=date(2023, 12, 31))
    assert (s["projects_100m"], s["projects_100m_last_year"], s["projects_100m_yoy_pct"]) == (51, 43, 18.6)
    assert (s["investment_100m_yi"], s["investment_100m_last_year_yi"], s["investment_100m_yoy_pct"]) == (294.6, 223.2, 32.0)
    assert (s["projects_1b"], s["projects_1b_last_year"], s["projects_1b_yoy_pct"]) == (9, 8, 12.5)
    assert s["target_projects_100m_pct"] > 100 and s["target_investment_pct"] > 100
    early = investment_stats(year=2024, unit=district, through=date(2024, 2, 29))
    assert early["projects_100m"] == 15
    fo = field_office_stats(since=date(2023, 1, 1), until=date(2024, 3, 31))
    assert fo["outbound"] > 400 and fo["enterprise_visits"] > 400 and 280 <= fo["leads"] <= 320
    jdd = Project.objects.get(name="金多多广东食品生产研发基地")
    assert jdd.milestones.get(kind=Milestone.Kind.COMPLETED).actual_date == date(2024, 3, 6)
    counts = (Project.objects.count(), OrgUnit.objects.count())
    load_demo()  # loading twice changes nothing
    assert (Project.objects.count(), OrgUnit.objects.count()) == counts
