"""Figures of the households programme: counts and averages only, never a name, an ID number or
a phone. Every figure the bulletin links to comes with the ids of the households it counts."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q

from countyworks.core import clock
from countyworks.core.models import OrgUnit, path_q

from .flows import CLOCK_LIMIT
from .models import Elimination, Household, Identification, IncomeRecord, MonitoringLine

HS = Household.Status
MONITORED = (HS.MONITORED, HS.ELIMINATING)
SUPPRESS_BELOW = 5  # a cell for fewer households than this is not published (bulletin, cockpit)


def households_in(unit):
    return Household.objects.filter(path_q(unit.path, "unit__path"))


def _round(v, places="0.01"):
    return None if v is None else Decimal(v).quantize(Decimal(places), ROUND_HALF_UP)


def yoy_pct(now, before):
    if now is None or not before:
        return None
    return float(_round((Decimal(now) - Decimal(before)) / Decimal(before) * 100, "0.1"))


def overdue_cases(unit, today=None):
    """Open identification procedures of the unit's subtree past the 15-day limit."""
    today = today or clock.today()
    return Identification.objects.filter(path_q(unit.path, "household__unit__path"),
                                         status__in=Identification.OPEN,
                                         started_on__lt=today - timedelta(days=CLOCK_LIMIT))


def average_income(qs, year):
    v = IncomeRecord.objects.filter(household__in=qs, year=year).aggregate(a=Avg("per_capita"))["a"]
    return _round(v)


def low_income(qs, year):
    """Households whose per-capita income of `year` is below that year's monitoring line."""
    line = MonitoringLine.objects.filter(year=year).first()
    if line is None:
        return qs.none()
    return qs.filter(incomes__year=year, incomes__per_capita__lt=line.amount)


def household_stats(*, unit, year=None, today=None):
    """The programme's figures for `unit`'s subtree: counts by category and status as of today,
    at risk, in procedure (overdue), eliminated this year, and the average per-capita income of
    `year` (default: the last full year) with its YoY, for monitored and for low-income
    households; and the same counts per child unit (by village under a subdistrict)."""
    today = today or clock.today()
    year = year or today.year - 1
    qs = households_in(unit)
    ids = lambda q: sorted(q.values_list("pk", flat=True))  # noqa: E731
    monitored = qs.filter(status__in=MONITORED)
    at_risk = qs.filter(at_risk=True)
    identifying = qs.filter(status=HS.IDENTIFYING)
    overdue = overdue_cases(unit, today)
    eliminated = qs.filter(eliminations__status=Elimination.Status.CONFIRMED,
                           eliminations__closed_on__year=today.year).distinct()
    line = MonitoringLine.objects.filter(year=year).first()
    prev_line = MonitoringLine.objects.filter(year=year - 1).first()
    by_category = dict(qs.values_list("category").annotate(n=Count("pk")))
    by_status = dict(qs.values_list("status").annotate(n=Count("pk")))
    low = low_income(qs, year)
    avg_m, avg_m_prev = average_income(monitored, year), average_income(monitored, year - 1)
    avg_l, avg_l_prev = average_income(low, year), average_income(low_income(qs, year - 1), year - 1)

    children = []
    for child in OrgUnit.objects.filter(parent=unit).order_by("sort_order", "code"):
        cq = households_in(child)
        agg = cq.aggregate(total=Count("pk"), monitored=Count("pk", filter=Q(status__in=MONITORED)),
                           at_risk=Count("pk", filter=Q(at_risk=True)),
                           identifying=Count("pk", filter=Q(status=HS.IDENTIFYING)))
        if agg["total"]:
            children.append({"unit_id": child.pk, "unit": child.name, "kind": child.kind, **agg,
                             "overdue": overdue_cases(child, today).count(),
                             "average_income": average_income(cq.filter(status__in=MONITORED), year)})
    return {
        "unit": unit.name, "as_of": today.isoformat(), "income_year": year,
        "monitoring_line": line.amount if line else None, "monitoring_line_prev": prev_line.amount if prev_line else None,
        "total": qs.count(),
        "by_category": {label: by_category.get(value, 0) for value, label in Household.Category.choices},
        "by_status": {label: by_status.get(value, 0) for value, label in Household.Status.choices},
        "monitored": monitored.count(), "monitored_ids": ids(monitored),
        "at_risk": at_risk.count(), "at_risk_ids": ids(at_risk),
        "in_procedure": identifying.count(), "in_procedure_ids": ids(identifying),
        "procedure_overdue": overdue.count(), "procedure_overdue_ids": sorted(overdue.values_list("household_id", flat=True)),
        "eliminated_this_year": eliminated.count(), "eliminated_ids": ids(eliminated),
        "average_income_monitored": avg_m, "average_income_monitored_prev": avg_m_prev,
        "average_income_monitored_yoy_pct": yoy_pct(avg_m, avg_m_prev),
        "low_income": low.count(),
        "average_income_low": avg_l, "average_income_low_prev": avg_l_prev,
        "average_income_low_yoy_pct": yoy_pct(avg_l, avg_l_prev),
        "by_unit": children,
    }


def _plain(v):
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def public_stats(data):
    """The stats without the id lists, numbers as JSON numbers (the command line's form): counts
    and averages only, never a name, ID number or phone."""
    return _plain({k: v for k, v in data.items() if not k.endswith("_ids")})
