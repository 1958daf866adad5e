"""The weekly dispatch's part of the leaders' cockpit (contributed through the programme
registry): the reporting rate of the weekly forms, the greening campaign's progress, and the
overdue key tasks. The figures come from dispatch.selectors, which own the rules."""

from datetime import datetime, time

from django.db.models import Q
from django.utils import timezone

from countyworks.core.models import OrgUnit, Programme, path_q
from countyworks.core.scope import scope_q, unit_in_scope

from .models import ReportForm, Task
from .selectors import _rates, form_weeks, reporting_rates


def _subtree(unit):
    return OrgUnit.objects.filter(path_q(unit.path))


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


def overdue_tasks(*, user, unit, as_of):
    """Key tasks (重点任务) with status 推进中 and deadline before `as_of` (the rule of the
    bulletin), of the programmes the user holds a role for (or any, with a dispatch role)."""
    q = scope_q(user, programme=Programme.DISPATCH)
    for p in Programme.values:
        q |= Q(programme=p) & scope_q(user, programme=p)
    tasks = (
        Task.objects.overdue(as_of).filter(q, unit__in=_subtree(unit).values("pk"))
        .select_related("unit", "leader")
        .order_by("deadline", "pk")
    )
    rows = [{"task": t, "days_late": (as_of - t.deadline).days} for t in tasks]
    return {"tasks": rows, "task_count": len(rows)}


def cockpit_contribution(*, user, unit, year, through, as_of):
    dispatch_ok = unit_in_scope(user, unit, programme=Programme.DISPATCH)
    overdue = overdue_tasks(user=user, unit=unit, as_of=as_of)
    programmes = None if dispatch_ok else [p for p in Programme.values if unit_in_scope(user, unit, programme=p)]
    reporting = dispatch_reporting(unit=unit, through=through, programmes=programmes)
    return {
        "data": {"reporting": reporting},
        "overdue": overdue,
        "blocks": [
            {"region": "headline", "order": 50, "template": "dispatch/cockpit/_headline.html", "context": reporting},
            {"region": "overdue", "order": 50, "template": "dispatch/cockpit/_overdue_tasks.html", "context": overdue},
        ],
    }
