"""The investment programme's part of the leaders' cockpit (contributed through the programme
registry): headline figures with run-rate projections, the monthly trend, the ranking, overdue
milestones and service requests. The figures come from investment.selectors, which own the rules."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from countyworks.core.models import OrgUnit, Programme, path_q
from countyworks.core.scope import unit_in_scope
from countyworks.reporting.cockpit import OVERDUE_TOP, run_rate_pct

from .models import Project, ServiceRequest
from .selectors import counted_projects, investment_stats, overdue_milestones


def _yi(wan):
    """万元 → 亿元, one decimal (the presentation of investment_stats)."""
    return float((Decimal(wan or 0) / Decimal(10000)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def investment_headline(*, unit, year, through):
    """`investment_stats` of the unit and span, with a run-rate projection next to each target
    completion rate and one next to each unit's rate in the ranking."""


    stats = investment_stats(year=year, unit=unit, through=through)
    stats["projection_projects_100m"] = run_rate_pct(
        stats["projects_100m"], stats["target_projects_100m"], through
    )
    stats["projection_investment"] = run_rate_pct(
        stats["investment_100m_yi"], stats["target_investment_yi"], through
    )
    for r in stats["by_unit"]:
        r["projection_projects_100m"] = run_rate_pct(r["projects_100m"], r["target_projects_100m"], through)
    return stats


def investment_monthly(*, unit, year, through):
    """Per month, ≥1亿 projects signed (count) and the cumulative planned investment of those
    projects (亿元), this year through `through` against the whole of last year — counted by
    `counted_projects` (the 统计口径: signing date, the unit's subtree, the increment of an
    expansion). Months of this year after `through` are None so the line stops there."""


    rows = (
        counted_projects(start=date(year - 1, 1, 1), end=max(through, date(year - 1, 12, 31)), unit=unit)
        .filter(is_100m=1)
        .annotate(y=ExtractYear("signed_date"), m=ExtractMonth("signed_date"))
        .values("y", "m")
        .annotate(n=Count("pk"), amt=Sum("counted_amount"))
        .order_by("y", "m")
    )
    by = {(r["y"], r["m"]): r for r in rows}
    out = {"months": [f"{m}月" for m in range(1, 13)], "this_year": year, "last_year": year - 1}
    for key, y, last_month in (("this", year, through.month), ("last", year - 1, 12)):
        counts, cumulative, running = [], [], Decimal(0)
        for m in range(1, 13):
            if m > last_month:
                counts.append(None)
                cumulative.append(None)
                continue
            r = by.get((y, m))
            counts.append(r["n"] if r else 0)
            running += Decimal(r["amt"] or 0) if r else Decimal(0)
            cumulative.append(_yi(running))
        out[f"{key}_counts"], out[f"{key}_cumulative_yi"] = counts, cumulative
    return out


def _subtree(unit):
    return OrgUnit.objects.filter(path_q(unit.path))


def _overdue(*, user, unit, as_of):
    """Project milestones (`overdue_milestones`: planned date before `as_of`, no actual date) of
    the projects the user may see, the 10 most overdue with days late = `as_of` − planned date;
    and service requests (status 待办理, 办理时限 before `as_of`: the rule of the service-request
    list's "仅超时" filter), seen by the project's or the bureau's side."""
    units = _subtree(unit)
    projects = Project.objects.visible_to(user).filter(unit__in=units.values("pk"))
    ms = overdue_milestones(projects, today=as_of)
    requests = [
        {"request": r, "days_late": (as_of - r.deadline).days}
        for r in ServiceRequest.objects.visible_to(user).overdue(as_of)
        .filter(Q(project__unit__in=units.values("pk")) | Q(bureau__in=units.values("pk")))
        .select_related("project", "bureau").order_by("deadline", "pk")
    ]
    return {
        "milestone_count": ms.count(),
        "milestones": [
            {"project": m.project, "unit": m.project.unit, "milestone": m.get_kind_display(),
             "planned": m.planned_date, "days_late": (as_of - m.planned_date).days}
            for m in ms[:OVERDUE_TOP]
        ],
        "requests": requests,
        "request_count": len(requests),
    }


def cockpit_contribution(*, user, unit, year, through, as_of):
    """Shown only where the user's investment scope covers the unit."""
    if not unit_in_scope(user, unit, programme=Programme.INVESTMENT):
        return {"notices": ["您在本单位没有招商引资业务权限，不显示招商引资指标。"]}
    headline = investment_headline(unit=unit, year=year, through=through)
    monthly = investment_monthly(unit=unit, year=year, through=through)
    overdue = {**_overdue(user=user, unit=unit, as_of=as_of), "unit_id": unit.pk}
    return {
        "data": {"investment": headline, "monthly": monthly},
        "overdue": overdue,
        "charts": {"monthly": {**monthly, "target_investment_yi": headline["target_investment_yi"],
                               "target_projects_100m": headline["target_projects_100m"]}},
        "scripts": ["investment/cockpit_charts.js"],
        "blocks": [
            {"region": "headline", "order": 10, "template": "investment/cockpit/_headline.html", "context": headline},
            {"region": "charts", "order": 10, "template": "investment/cockpit/_charts.html", "context": monthly},
            {"region": "main", "order": 10, "template": "investment/cockpit/_ranking.html", "context": headline},
            {"region": "overdue", "order": 10, "template": "investment/cockpit/_overdue_milestones.html",
             "context": overdue},
            {"region": "overdue", "order": 60, "template": "investment/cockpit/_overdue_requests.html",
             "context": overdue},
            {"region": "rules", "order": 10, "template": "investment/cockpit/_rules.html", "context": {}},
        ],
    }
