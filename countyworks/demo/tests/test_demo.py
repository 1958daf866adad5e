"""The Jianghai demo reproduces every figure of the seed page — asserted through the statistics
and bulletin functions over the demo's records, never through stored numbers. The demo is
loaded once here (it takes a while) and checked from every side."""

from datetime import date

import pytest

from countyworks.core.audit import audit_verify
from countyworks.core.models import OrgUnit
from countyworks.demo.loader import load_demo
from countyworks.dispatch.models import Submission
from countyworks.investment.models import Milestone, Project
from countyworks.investment.selectors import field_office_stats, investment_stats
from countyworks.reporting.bulletins import bulletin_build
from countyworks.reporting.content import plain_text
from countyworks.reporting.models import Bulletin


def sentences(content):
    return [plain_text(b) for b in content["blocks"] if b["type"] == "paragraph"]


@pytest.mark.django_db
def test_demo_reproduces_the_seed():
    load_demo()
    district = OrgUnit.objects.get(name="江海区")

    s = investment_stats(year=2023, unit=district, through=date(2023, 12, 31))
    assert (s["projects_100m"], s["projects_100m_last_year"], s["projects_100m_yoy_pct"]) == (51, 43, 18.6)
    assert (s["investment_100m_yi"], s["investment_100m_last_year_yi"], s["investment_100m_yoy_pct"]) == (294.6, 223.2, 32.0)
    assert (s["projects_1b"], s["projects_1b_last_year"], s["projects_1b_yoy_pct"]) == (9, 8, 12.5)
    assert s["target_projects_100m_pct"] > 100 and s["target_investment_pct"] > 100
    assert investment_stats(year=2024, unit=district, through=date(2024, 2, 29))["projects_100m"] == 15
    fo = field_office_stats(since=date(2023, 1, 1), until=date(2024, 3, 31))
    assert fo["outbound"] > 400 and fo["enterprise_visits"] > 400 and 280 <= fo["leads"] <= 320
    jdd = Project.objects.get(name="金多多广东食品生产研发基地")
    assert jdd.milestones.get(kind=Milestone.Kind.COMPLETED).actual_date == date(2024, 3, 6)

    # the 2023 investment bulletin's headline, exactly as the newspaper printed it
    content = bulletin_build(programme="investment", period="2023-12", unit=district)
    assert sentences(content)[0] == ("2023年，全区引进亿元以上产业项目51个，同比增长18.6%；计划总投资294.6亿元，同比增长32.0%；"
                                     "其中10亿元以上项目9个，同比增长12.5%。")
    assert len(content["figures"]["inv.projects_100m"]["ids"]) == 51

    # greening to the end of March 2024, from the weekly dispatch
    march = bulletin_build(programme="rural", period="2024-03", unit=district)
    text = "".join(sentences(march))
    for phrase in ("培训共1998人次", "走访乡贤共497人", "农村党员2015人", "已落实苗木数量5438株", "已植树3732株",
                   "已全覆盖召开乡村座谈会"):
        assert phrase in text, phrase
    assert "存在漏报的单位：英南村" in text

    # the published March bulletin is a frozen snapshot: later data changes do not move it
    published = Bulletin.objects.get(programme="all", period="2024-03", status=Bulletin.Status.PUBLISHED)
    before = published.content
    sub = Submission.objects.filter(week_start=date(2024, 3, 25), status=Submission.Status.APPROVED).first()
    Submission.objects.filter(pk=sub.pk).update(figures={**sub.figures, "trees_planted": sub.figures["trees_planted"] + 100})
    published.refresh_from_db()
    assert published.content == before
    assert "已植树3832株" in "".join(sentences(bulletin_build(programme="rural", period="2024-03", unit=district)))

    counts = (Project.objects.count(), OrgUnit.objects.count(), Submission.objects.count(), Bulletin.objects.count())
    load_demo()  # loading twice changes nothing
    assert (Project.objects.count(), OrgUnit.objects.count(), Submission.objects.count(),
            Bulletin.objects.count()) == counts
    assert audit_verify().ok
