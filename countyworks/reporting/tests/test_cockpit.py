"""The leaders' cockpit (journey 9): headline figures equal the investment selectors', the run-rate
projection's arithmetic, scope (subtree only; another unit is 404; no role is 403), drill-down,
overdue items, greening and reporting figures from the weekly dispatch, and no outside host."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from countyworks.core.factories import UserFactory, org_tree, user_with_role
from countyworks.core.models import Indicator, Programme, Role, RoleKind, Target
from countyworks.dispatch.models import ReportForm, Submission, Task
from countyworks.investment.models import Milestone, ServiceRequest
from countyworks.investment.selectors import investment_stats
from countyworks.investment.tests.conftest import make_project
from countyworks.reporting import cockpit

pytestmark = pytest.mark.django_db

P = Programme.INVESTMENT
THROUGH = date(2024, 3, 31)  # day 91 of the leap year 2024
URL = reverse("cockpit:index")


@pytest.fixture
def tree(db):
    t = org_tree("a1", "b1")
    return {"district": t.district, "a": t.a, "b": t.b, "va": t.a1, "vb": t.b1}


@pytest.fixture
def projects(tree):
    """2024 Q1: 甲 2 × ≥1亿 (one of them ≥10亿) + 1 small, 乙 1 × ≥1亿; 2023 Q1: 甲 1, 乙 1;
    after the cut-off: 甲 1 (must not count)."""
    return {
        "a1": make_project(tree["va"], 15000, date(2024, 1, 10)),
        "a2": make_project(tree["a"], 120000, date(2024, 3, 5)),
        "a_small": make_project(tree["a"], 5000, date(2024, 2, 1)),
        "b1": make_project(tree["vb"], 30000, date(2024, 2, 20)),
        "a_last": make_project(tree["a"], 20000, date(2023, 2, 1)),
        "b_last": make_project(tree["b"], 11000, date(2023, 3, 31)),
        "a_later": make_project(tree["a"], 50000, date(2024, 4, 2)),
    }


def target(unit, value, year=2024, code="projects_100m"):
    return Target.objects.create(
        unit=unit, indicator=Indicator.objects.get(code=code), year=year, value=value
    )


def leader(unit, *programmes):
    user = user_with_role(RoleKind.LEADER, P, unit)
    for p in programmes:
        Role.objects.create(user=user, kind=RoleKind.LEADER, programme=p, unit=unit)
    return user


def page(client, user, **params):
    client.force_login(user)
    return client.get(URL, {"year": 2024, "through": THROUGH.isoformat(), **params})


# --- the projection rule ----------------------------------------------------------------------


def test_run_rate_projection_arithmetic():
    assert cockpit.year_fraction(THROUGH) == (91, 366)
    # 3 ÷ (91/366) ÷ 10 × 100 = 120.659… → 120.7
    assert cockpit.run_rate_pct(3, 10, THROUGH) == 120.7
    assert cockpit.run_rate_pct(3, None, THROUGH) is None
    assert cockpit.run_rate_pct(3, 0, THROUGH) is None
    # at the end of a year the projection is the completion rate itself
    assert cockpit.run_rate_pct(51, 50, date(2023, 12, 31)) == 102.0
    assert cockpit.year_fraction(date(2023, 1, 1)) == (1, 365)


def test_resolve_span_defaults():
    today = date(2024, 5, 6)
    assert cockpit.resolve_span(today=today) == (2024, today)
    assert cockpit.resolve_span(through=THROUGH, today=today) == (2024, THROUGH)
    assert cockpit.resolve_span(year=2023, today=today) == (2023, date(2023, 12, 31))
    assert cockpit.resolve_span(year=2024, today=today) == (2024, today)
    assert cockpit.resolve_span(year=2023, through=THROUGH, today=today) == (2023, date(2023, 12, 31))


# --- headline figures ---------------------------------------------------------------------------


def test_leader_sees_headline_count_yoy_and_projection(client, tree, projects):
    target(tree["district"], 10)
    user = leader(tree["district"])
    resp = page(client, user)
    assert resp.status_code == 200
    expected = investment_stats(year=2024, unit=tree["district"], through=THROUGH)
    inv = resp.context["cockpit"]["investment"]
    assert inv["projects_100m"] == expected["projects_100m"] == 3
    assert inv["projects_100m_yoy_pct"] == expected["projects_100m_yoy_pct"] == 50.0
    assert inv["projects_1b"] == 1
    assert inv["projection_projects_100m"] == 120.7
    html = resp.content.decode()
    assert re.search(r'id="projects-100m">3\b', html)
    assert "同比 +50.0%" in html
    assert "按当前进度，预计全年完成目标的 <strong" in html and "120.7%" in html
    # the ranking: 甲 first (2 projects), each row drills down into its unit
    ranking = inv["by_unit"]
    assert [(r["unit"], r["rank"], r["projects_100m"]) for r in ranking] == [
        ("甲街道", 1, 2),
        ("乙街道", 2, 1),
    ]
    assert f'href="?unit={tree["a"].pk}&amp;year=2024&amp;through=2024-03-31"' in html


def test_monthly_trend_uses_the_counting_rule(client, tree, projects):
    resp = page(client, leader(tree["district"]))
    monthly = resp.context["cockpit"]["charts"]["monthly"]
    assert monthly["this_counts"][:3] == [1, 1, 1] and monthly["this_counts"][3:] == [None] * 9
    assert monthly["last_counts"][:3] == [0, 1, 1]
    # the cumulative planned investment at the cut-off month equals the headline figure
    assert (
        monthly["this_cumulative_yi"][2]
        == resp.context["cockpit"]["investment"]["investment_100m_yi"]
        == 16.5
    )
    assert 'id="cockpit-charts" type="application/json"' in resp.content.decode()


# --- scope ------------------------------------------------------------------------------------------


def test_subdistrict_leader_sees_only_its_subtree(client, tree, projects):
    user = leader(tree["a"])
    resp = page(client, user)
    assert resp.status_code == 200
    c = resp.context["cockpit"]
    assert c["unit"] == tree["a"]  # the default unit is the top unit of the user's roles
    assert c["investment"]["projects_100m"] == 2  # 乙街道's project does not count
    assert c["investment"]["projects_100m_last_year"] == 1
    assert [u.pk for u, _ in resp.context["units"]] == [tree["a"].pk, tree["va"].pk]
    assert "乙街道" not in resp.content.decode()
    assert page(client, user, unit=tree["b"].pk).status_code == 404
    assert page(client, user, unit=tree["district"].pk).status_code == 404
    assert page(client, user, unit="abc").status_code == 404
    drilled = page(client, user, unit=tree["va"].pk)
    assert drilled.status_code == 200 and drilled.context["cockpit"]["investment"]["projects_100m"] == 1


def test_district_leader_drills_into_a_unit(client, tree, projects):
    resp = page(client, leader(tree["district"]), unit=tree["b"].pk)
    assert resp.status_code == 200
    assert resp.context["cockpit"]["investment"]["projects_100m"] == 1
    assert [u.name for u in resp.context["crumbs"]] == ["测试区", "乙街道"]


def test_user_without_roles_is_refused(client, tree):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403
    # an operator (no leader or manager role) is refused too, and has no menu entry
    operator = user_with_role(RoleKind.OPERATOR, P, tree["a"])
    client.force_login(operator)
    assert client.get(URL).status_code == 403
    assert "领导驾驶舱" not in client.get(reverse("home")).content.decode()


def test_anonymous_goes_to_login(client):
    resp = client.get(URL)
    assert resp.status_code == 302 and reverse("login") in resp["Location"]


def test_leader_has_menu_entry(client, tree):
    client.force_login(leader(tree["district"]))
    assert f'href="{URL}">领导驾驶舱' in client.get(reverse("home")).content.decode()


# --- assets -----------------------------------------------------------------------------------------


def test_page_uses_local_plotly_and_no_outside_host(client, tree, projects):
    html = page(client, leader(tree["district"])).content.decode()
    assert '<script src="/static/plotly/plotly.min.js" defer>' in html
    assert '<script src="/static/reporting/cockpit.js" defer>' in html
    assert finders.find("plotly/plotly.min.js") and finders.find("dispatch/cockpit.js")
    outside = [
        u
        for u in re.findall(r"https?://[^\s\"'<>]+", html)
        if not re.match(r"https?://(testserver|localhost|127\.0\.0\.1)([:/]|$)", u)
    ]
    assert outside == []
    assert "onclick=" not in html.split("<footer")[0]


# --- overdue ------------------------------------------------------------------------------------------


def test_overdue_milestones_tasks_and_service_requests(client, tree, projects):
    p = projects["a1"]
    Milestone.objects.create(project=p, kind=Milestone.Kind.STARTED, planned_date=date(2024, 3, 1))
    Milestone.objects.create(
        project=projects["b1"], kind=Milestone.Kind.STARTED, planned_date=date(2024, 3, 20)
    )
    Milestone.objects.create(
        project=projects["a2"], kind=Milestone.Kind.STARTED, planned_date=date(2024, 4, 20)
    )
    Task.objects.create(programme=P, title="逾期任务", unit=tree["a"], deadline=date(2024, 3, 15))
    Task.objects.create(
        programme=P, title="已完成任务", unit=tree["a"], deadline=date(2024, 3, 15), status=Task.Status.DONE
    )
    Task.objects.create(programme=P, title="未到期任务", unit=tree["a"], deadline=date(2024, 6, 30))
    ServiceRequest.objects.create(
        project=p,
        category=ServiceRequest.Category.POWER,
        description="用电报装",
        bureau=tree["district"],
        deadline=date(2024, 3, 21),
    )
    user = leader(tree["a"])
    resp = page(client, user)
    o = resp.context["cockpit"]["overdue"]
    assert o["milestone_count"] == 1  # 乙's milestone is out of scope; a2's is not due yet
    assert o["milestones"][0]["project"] == p and o["milestones"][0]["days_late"] == 30
    assert [t["task"].title for t in o["tasks"]] == ["逾期任务"] and o["tasks"][0]["days_late"] == 16
    assert o["request_count"] == 1 and o["requests"][0]["days_late"] == 10
    html = resp.content.decode()
    assert f'href="/investment/projects/{p.pk}/"' in html
    assert 'id="overdue-milestones">1<' in html and 'id="overdue-tasks">1<' in html


# --- greening and reporting from the weekly dispatch ------------------------------------------------


def test_greening_totals_and_reporting_rate(client, tree):
    form = ReportForm.objects.create(
        code="greening",
        name="乡村绿化周报",
        programme=Programme.RURAL,
        owner=tree["district"],
        fields=[
            {"code": "seedlings_secured", "label": "已落实苗木", "unit": "株"},
            {"code": "trees_planted", "label": "已植树", "unit": "株"},
        ],
        start_date=date(2024, 3, 4),
        end_date=date(2024, 5, 31),
    )
    form.units.set([tree["va"], tree["vb"]])
    weeks = [date(2024, 3, 4), date(2024, 3, 11)]
    for w in weeks:
        for unit, (s, t) in ((tree["va"], (100, 60)), (tree["vb"], (40, 30))):
            if unit == tree["vb"] and w == weeks[1]:
                continue  # 乙一村 misses its second week
            at = timezone.make_aware(datetime.combine(w + timedelta(days=3), time(9)))
            Submission.objects.create(
                form=form,
                unit=unit,
                week_start=w,
                status=Submission.Status.SUBMITTED,
                figures={"seedlings_secured": s, "trees_planted": t},
                first_submitted_at=at,
                submitted_at=at,
            )
    user = leader(tree["district"], Programme.DISPATCH)
    resp = page(client, user, through="2024-03-17")
    c = resp.context["cockpit"]
    assert (c["greening"]["seedlings_secured"], c["greening"]["trees_planted"]) == (240, 150)
    assert c["charts"]["greening"]["trees_planted"] == [90, 150]
    assert c["charts"]["greening"]["trees_planted_week"] == [90, 60]
    assert (c["reporting"]["expected"], c["reporting"]["submitted"], c["reporting"]["reporting_rate"]) == (
        4,
        3,
        75.0,
    )
    html = resp.content.decode()
    assert 'id="trees-planted">150' in html and 'id="reporting-rate">75.0%' in html
    # a subdistrict leader sees its own village only
    resp = page(client, leader(tree["a"], Programme.DISPATCH), through="2024-03-17")
    assert resp.context["cockpit"]["greening"]["trees_planted"] == 120
    assert resp.context["cockpit"]["reporting"]["reporting_rate"] == 100.0


def test_quick_links_are_computed_from_today_not_fixed_years():
    from countyworks.reporting.cockpit_views import quick_spans

    links = dict(quick_spans(date(2026, 12, 2)))
    assert links == {"2026年至今": {"year": 2026},
                     "2026年1—9月": {"year": 2026, "through": "2026-09-30"},
                     "2025年同期": {"year": 2025, "through": "2025-12-02"},
                     "2025年全年": {"year": 2025}}
    assert "2024年1—3月" in dict(quick_spans(date(2024, 4, 1)))
    assert not any("1—0月" in k for k in dict(quick_spans(date(2024, 2, 29))))
