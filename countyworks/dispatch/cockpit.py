"""The leaders' cockpit (领导驾驶舱, DESIGN §6 and journey 9): one page per unit of a leader's
scope with headline figures, trends, rankings and what is overdue.

Nothing here counts anything on its own: the figures come from the selectors that own the rules
(`investment.selectors.investment_stats` / `counted_projects` / `overdue_milestones`,
`dispatch.selectors.reporting_rates` / `totals_to_date` / `form_weeks`). This module only picks
the span, applies the user's scope per programme and shapes the results for the page. The one
rule that is the cockpit's own is the run-rate projection (`run_rate_pct`)."""

import calendar
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from countyworks.core.models import OrgUnit, Programme, RoleKind, path_q
from countyworks.core.scope import programme_roles, scope_q, unit_in_scope

from .models import ReportForm, Task
from .selectors import _rates, form_weeks, reporting_rates, totals_to_date, week_label

COCKPIT_ROLE_KINDS = {RoleKind.LEADER, RoleKind.MANAGER}
GREENING_FORM = "greening"
OVERDUE_TOP = 10

RUN_RATE_RULE = (
    "按当前进度预计全年完成率 = 实际完成 ÷（本年已过天数 ÷ 全年天数）÷ 年度目标 × 100%，"
    "已过天数含统计截止日当天（如闰年3月31日为第91天，全年366天），保留一位小数；无年度目标时不计算。"
)


# --- who, which unit, which span ------------------------------------------------------------------


def cockpit_roles(user):
    """The user's programme roles that open the cockpit: leader (领导) or programme manager
    (业务管理员), of any programme."""
    return [r for r in programme_roles(user) if r.kind in COCKPIT_ROLE_KINDS]


def cockpit_units(user):
    """The units the user may open the cockpit for: the subtrees of every unit on which they hold
    any programme role (the core scope rule, `OrgUnit.objects.visible_to`)."""
    return OrgUnit.objects.visible_to(user)


def default_unit(user):
    """The top unit of the user's leader/manager roles (least depth, then sort order and code)."""
    roles = sorted(cockpit_roles(user), key=lambda r: (r.unit.depth, r.unit.sort_order, r.unit.code))
    return roles[0].unit if roles else None


def resolve_span(*, year=None, through=None, today=None):
    """(year, through): `through` defaults to today; `year` to the year of `through`. Given a year
    alone, `through` is today in the current year and 31 December of a past one (a future year
    starts from 1 January). A `through` outside the given year is replaced by that default."""
    today = today or timezone.localdate()
    if year is None:
        through = through or today
        return through.year, through
    if through is None or through.year != year:
        through = (
            today if year == today.year else (date(year, 12, 31) if year < today.year else date(year, 1, 1))
        )
    return year, through


# --- the projection rule ------------------------------------------------------------------------


def year_fraction(through):
    """(elapsed days, days in year): elapsed counts 1 January through `through`, both included."""
    days = 366 if calendar.isleap(through.year) else 365
    return (through - date(through.year, 1, 1)).days + 1, days


def run_rate_pct(actual, target, through):
    """The run-rate projection of an annual target (按当前进度，预计全年完成目标的 X%):
    X = actual ÷ (elapsed days of the year ÷ days in the year) ÷ target × 100, where the elapsed
    days run from 1 January to `through` inclusive; one decimal, half up. None without a target
    (or a zero target) or without an actual figure. Example: 3 projects at 2024-03-31 (day 91 of
    366) against a target of 10 → 3 ÷ (91/366) ÷ 10 × 100 = 120.7."""
    if actual is None or not target:
        return None
    elapsed, days = year_fraction(through)
    x = Decimal(str(actual)) * Decimal(days) / Decimal(elapsed) / Decimal(str(target)) * 100
    return float(x.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- sections -------------------------------------------------------------------------------------


def _subtree(unit):
    return OrgUnit.objects.filter(path_q(unit.path))


def _yi(wan):
    """万元 → 亿元, one decimal (the presentation of investment_stats)."""
    return float((Decimal(wan or 0) / Decimal(10000)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def investment_headline(*, unit, year, through):
    """`investment_stats` of the unit and span, with a run-rate projection next to each target
    completion rate and one next to each unit's rate in the ranking."""
    from countyworks.investment.selectors import investment_stats

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
    from countyworks.investment.selectors import counted_projects

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


def greening_progress(*, unit, through):
    """The greening campaign of the weekly dispatch (the report form with code "greening"), for
    the unit's subtree: totals to date of each figure (`totals_to_date`, submitted or approved
    weeks whose Monday ≤ `through`) and, per week of the form up to `through`, the cumulative
    seedlings secured and trees planted and the week's own increments. None when the form does not
    exist, no unit of the subtree reports on it, or no week of it has started by `through`."""
    form = ReportForm.objects.filter(code=GREENING_FORM).first()
    if form is None:
        return None
    units = _subtree(unit)
    if not form.units.filter(pk__in=units.values("pk")).exists():
        return None
    weeks = form_weeks(form, until=through)
    if not weeks:
        return None
    labels = form.field_labels()
    totals, ids = totals_to_date(form, through=through, units=units)
    series = {
        "weeks": [],
        "week_labels": [],
        "seedlings_secured": [],
        "trees_planted": [],
        "trees_planted_week": [],
    }
    prev_trees = Decimal(0)
    for w in weeks:
        t, _ = totals_to_date(form, through=w, units=units)
        trees = t.get("trees_planted", Decimal(0))
        series["weeks"].append(w.isoformat())
        series["week_labels"].append(week_label(w).split("年")[1])
        series["seedlings_secured"].append(float(t.get("seedlings_secured", 0)))
        series["trees_planted"].append(float(trees))
        series["trees_planted_week"].append(float(trees - prev_trees))
        prev_trees = trees
    figures = [
        {"code": f["code"], "label": f["label"], "unit": f.get("unit", ""), "value": float(totals[f["code"]])}
        for f in form.fields
    ]
    return {
        "form": form,
        "labels": {
            "seedlings_secured": labels.get("seedlings_secured", "已落实苗木"),
            "trees_planted": labels.get("trees_planted", "已植树"),
        },
        "seedlings_secured": float(totals.get("seedlings_secured", 0)),
        "trees_planted": float(totals.get("trees_planted", 0)),
        "figures": figures,
        "submissions": len(ids),
        "series": series,
    }


def dispatch_reporting(*, unit, through, programmes=None, now=None):
    """The weekly-dispatch reporting rate of the unit's subtree over all active report forms,
    every week of each form up to `through` (`form_weeks`), counted by `reporting_rates`
    (expected = due weeks × assigned units; rate = submitted ÷ expected, timeliness = on time ÷
    expected). A week counts as due when its deadline is before the end of `through` (or now, if
    earlier). The overall rate sums expected and submitted over the forms. `programmes` limits the
    forms to those programmes (None: all)."""
    now = now or timezone.now()
    cutoff = min(now, timezone.make_aware(datetime.combine(through, time.max)))
    units = _subtree(unit)
    per_form = []
    total = {"expected": 0, "submitted": 0, "on_time": 0, "late": 0, "missing": 0, "returned": 0}
    forms = ReportForm.objects.filter(active=True, units__in=units.values("pk"))
    if programmes is not None:
        forms = forms.filter(programme__in=programmes)
    for form in forms.distinct().order_by("code"):
        r = reporting_rates(form, form_weeks(form, until=through), units=units, now=cutoff)
        if not r["expected"]:
            continue
        per_form.append(
            {
                "form": form,
                "name": form.name,
                "weeks": r["weeks"],
                "expected": r["expected"],
                "submitted": r["submitted"],
                "missing": r["missing"],
                "late": r["late"],
                "reporting_rate": r["reporting_rate"],
                "timeliness": r["timeliness"],
                "missing_units": [u["unit"] for u in r["units"] if u["missing"]],
            }
        )
        for k in total:
            total[k] += r[k]
    return {**total, **_rates(total), "forms": per_form}


def overdue_items(*, user, unit, as_of, show_investment=True):
    """What is overdue on `as_of` in the unit's subtree, as far as the user's scope reaches:

    - project milestones: `overdue_milestones` (planned date before `as_of`, no actual date) of the
      projects the user may see, the 10 most overdue with days late = `as_of` − planned date;
    - key tasks (重点任务): status 推进中 and deadline before `as_of` (the rule of the bulletin), of
      the programmes the user holds a role for (or any, with a dispatch role);
    - service requests (服务诉求): status 待办理 and 办理时限 before `as_of` (the rule of the
      service-request list's "仅超时" filter), seen by the project's or the bureau's side."""
    units = _subtree(unit)
    out = {
        "as_of": as_of,
        "milestones": None,
        "milestone_count": 0,
        "tasks": [],
        "task_count": 0,
        "requests": None,
        "request_count": 0,
    }
    if show_investment:
        from countyworks.investment.models import Project
        from countyworks.investment.selectors import overdue_milestones

        projects = Project.objects.visible_to(user).filter(unit__in=units.values("pk"))
        ms = overdue_milestones(projects, today=as_of)
        out["milestone_count"] = ms.count()
        out["milestones"] = [
            {
                "project": m.project,
                "unit": m.project.unit,
                "milestone": m.get_kind_display(),
                "planned": m.planned_date,
                "days_late": (as_of - m.planned_date).days,
            }
            for m in ms[:OVERDUE_TOP]
        ]
        out["requests"] = _overdue_requests(user, units, as_of)
        out["request_count"] = len(out["requests"]) if out["requests"] is not None else 0
    q = scope_q(user, programme=Programme.DISPATCH)
    for p in Programme.values:
        q |= Q(programme=p) & scope_q(user, programme=p)
    tasks = (
        Task.objects.filter(q, unit__in=units.values("pk"), status=Task.Status.OPEN, deadline__lt=as_of)
        .select_related("unit", "leader")
        .order_by("deadline", "pk")
    )
    out["tasks"] = [{"task": t, "days_late": (as_of - t.deadline).days} for t in tasks]
    out["task_count"] = len(out["tasks"])
    return out


def _overdue_requests(user, units, as_of):
    try:
        from countyworks.investment.models import ServiceRequest
    except ImportError:  # the investment app without service requests
        return None
    qs = (
        ServiceRequest.objects.visible_to(user)
        .filter(
            Q(project__unit__in=units.values("pk")) | Q(bureau__in=units.values("pk")),
            status=ServiceRequest.Status.OPEN,
            deadline__lt=as_of,
        )
        .select_related("project", "bureau")
        .order_by("deadline", "pk")
    )
    return [{"request": r, "days_late": (as_of - r.deadline).days} for r in qs]


def breadcrumbs(user, unit):
    """The unit's ancestors the user may open the cockpit for, top first, the unit last."""
    allowed = set(
        cockpit_units(user).filter(pk__in=unit.ancestors().values("pk")).values_list("pk", flat=True)
    )
    return [u for u in unit.ancestors() if u.pk in allowed]


def cockpit_data(*, user, unit, year, through, today=None):
    """Everything the cockpit shows for `unit` (already checked to be in the user's scope) in the
    year to date through `through`. Sections of a programme appear only where the user's scope
    for that programme covers the unit (investment: an investment role on the unit or above;
    greening and reporting: a role for the dispatch or the form's programme)."""
    today = today or timezone.localdate()
    as_of = min(through, today)
    show_investment = unit_in_scope(user, unit, programme=Programme.INVESTMENT)
    dispatch_ok = unit_in_scope(user, unit, programme=Programme.DISPATCH)
    data = {
        "unit": unit,
        "year": year,
        "through": through,
        "as_of": as_of,
        "elapsed_days": year_fraction(through)[0],
        "days_in_year": year_fraction(through)[1],
        "run_rate_rule": RUN_RATE_RULE,
        "investment": None,
        "monthly": None,
        "greening": None,
        "reporting": None,
    }
    if show_investment:
        data["investment"] = investment_headline(unit=unit, year=year, through=through)
        data["monthly"] = investment_monthly(unit=unit, year=year, through=through)
    greening = greening_progress(unit=unit, through=through)
    if greening and (dispatch_ok or unit_in_scope(user, unit, programme=greening["form"].programme)):
        data["greening"] = greening
    programmes = (
        None if dispatch_ok else [p for p in Programme.values if unit_in_scope(user, unit, programme=p)]
    )
    data["reporting"] = dispatch_reporting(unit=unit, through=through, programmes=programmes)
    data["overdue"] = overdue_items(user=user, unit=unit, as_of=as_of, show_investment=show_investment)
    data["charts"] = chart_payload(data)
    return data


def chart_payload(data):
    """The JSON the page's script draws (plain lists and labels; no model objects)."""
    out = {}
    m = data["monthly"]
    if m:
        inv = data["investment"]
        out["monthly"] = {
            **m,
            "target_investment_yi": inv["target_investment_yi"],
            "target_projects_100m": inv["target_projects_100m"],
        }
    g = data["greening"]
    if g:
        out["greening"] = {"labels": g["labels"], **g["series"]}
    return out
