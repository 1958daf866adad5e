"""The counting rules (统计口径) and the statistics built on them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from countyworks.core.models import Indicator, Target
from countyworks.investment.models import Lead, Milestone, Project
from countyworks.investment.selectors import (
    counted_projects,
    funnel,
    investment_stats,
    median_days_signed_to_started,
    milestone_timeline,
    overdue_milestones,
)

from .conftest import make_project


@pytest.mark.django_db
class TestCountingRules:
    def test_thresholds_at_the_boundaries(self, tree):
        for amount in ("9999.99", "10000", "99999.99", "100000"):
            make_project(tree["a"], amount, date(2023, 5, 1))
        s = investment_stats(year=2023, unit=tree["district"])
        assert s["projects_100m"] == 3  # 9,999.99 万元 is not 亿元以上
        assert s["projects_1b"] == 1  # only 100,000 万元 reaches 10亿
        assert s["investment_100m_yi"] == round((10000 + 99999.99 + 100000) / 10000, 1)

    def test_expansion_counts_its_increment_only(self, tree):
        make_project(tree["a"], "8000", date(2023, 3, 1), kind=Project.Kind.EXPANSION)  # increment below 1亿
        make_project(tree["a"], "15000", date(2023, 3, 1), kind=Project.Kind.EXPANSION)
        s = investment_stats(year=2023, unit=tree["district"])
        assert s["projects_100m"] == 1
        assert s["investment_100m_yi"] == 1.5

    def test_counts_once_in_its_signing_year(self, tree):
        make_project(tree["a"], 20000, date(2022, 12, 31))
        make_project(tree["a"], 20000, date(2023, 1, 1))
        assert investment_stats(year=2023, unit=tree["district"])["projects_100m"] == 1
        assert investment_stats(year=2022, unit=tree["district"])["projects_100m"] == 1

    def test_project_counts_for_its_unit_and_every_unit_above(self, tree):
        make_project(tree["va"], 20000, date(2023, 6, 1))
        for unit, expected in [("va", 1), ("a", 1), ("district", 1), ("b", 0), ("vb", 0)]:
            assert investment_stats(year=2023, unit=tree[unit])["projects_100m"] == expected, unit

    def test_yoy_uses_the_same_span_of_last_year(self, tree):
        make_project(tree["a"], 20000, date(2022, 6, 30))
        make_project(tree["a"], 20000, date(2022, 7, 1))  # after the span's month-day
        make_project(tree["a"], 20000, date(2023, 2, 1))
        s = investment_stats(year=2023, unit=tree["district"], through=date(2023, 6, 30))
        assert s["projects_100m_last_year"] == 1
        assert s["projects_100m_yoy_pct"] == 0.0
        s = investment_stats(year=2023, unit=tree["district"], through=date(2023, 12, 31))
        assert s["projects_100m_last_year"] == 2
        assert s["projects_100m_yoy_pct"] == -50.0

    def test_yoy_is_null_without_last_year(self, tree):
        make_project(tree["a"], 20000, date(2023, 2, 1))
        s = investment_stats(year=2023, unit=tree["district"])
        assert s["projects_100m_yoy_pct"] is None and s["investment_100m_yoy_pct"] is None

    def test_target_completion_and_ranks(self, tree):
        ind = Indicator.objects.get(code="projects_100m")
        Target.objects.create(unit=tree["district"], indicator=ind, year=2023, value=Decimal(2))
        Target.objects.create(unit=tree["b"], indicator=ind, year=2023, value=Decimal(4))
        make_project(tree["a"], 20000, date(2023, 2, 1))
        make_project(tree["va"], 30000, date(2023, 2, 1))
        make_project(tree["b"], 20000, date(2023, 2, 1))
        s = investment_stats(year=2023, unit=tree["district"])
        assert s["target_projects_100m_pct"] == 150.0
        by = {r["unit"]: r for r in s["by_unit"]}
        assert by["甲街道"]["projects_100m"] == 2 and by["甲街道"]["rank"] == 1
        assert by["乙街道"]["rank"] == 2 and by["乙街道"]["target_projects_100m_pct"] == 25.0

    def test_counted_projects_is_the_one_rule(self, tree):
        p = make_project(tree["va"], 10000, date(2023, 1, 1))
        rows = list(counted_projects(start=date(2023, 1, 1), end=date(2023, 12, 31), unit=tree["a"]))
        assert [r.pk for r in rows] == [p.pk] and rows[0].is_100m == 1 and rows[0].is_1b == 0


@pytest.mark.django_db
def test_milestones_overdue_and_durations(tree):
    p = make_project(tree["a"], 20000, date(2024, 1, 10))
    Milestone.objects.create(project=p, kind=Milestone.Kind.STARTED, planned_date=date(2024, 3, 1))
    Milestone.objects.create(project=p, kind=Milestone.Kind.REGISTERED, planned_date=date(2024, 1, 20),
                             actual_date=date(2024, 1, 15))
    rows = {r["kind"]: r for r in milestone_timeline(p, today=date(2024, 3, 10))}
    assert rows["started"]["overdue"] and rows["started"]["late_days"] == 9
    assert not rows["registered"]["overdue"] and rows["registered"]["days_from_previous"] == 5
    assert [m.kind for m in overdue_milestones(Project.objects.all(), today=date(2024, 3, 10))] == ["started"]


@pytest.mark.django_db
def test_median_days_and_funnel(tree):
    for days in (30, 60, 200):
        p = make_project(tree["a"], 20000, date(2023, 1, 1))
        Milestone.objects.create(project=p, kind="started", actual_date=date(2023, 1, 1) + timedelta(days=days))
    make_project(tree["a"], 20000, date(2023, 1, 1))
    assert median_days_signed_to_started(Project.objects.all()) == 60
    steps = {s["label"]: s["count"] for s in funnel(leads=Lead.objects.none(), projects=Project.objects.all())}
    assert steps["已签约"] == 4 and steps["已开工"] == 3
