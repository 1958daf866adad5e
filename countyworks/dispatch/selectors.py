"""Reads of the dispatch programme: weeks, reporting status and rates (DHIS2's reporting rate
and timeliness), totals to date, and the robust outlier check."""

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from countyworks.core import clock
from countyworks.core.periods import Period, last_ended_week_start

from .models import ReportForm, Submission

S = Submission.Status


# Week arithmetic is core.periods.Period's (ISO weeks, Monday first); these are its short names.


def monday(day):
    return Period.containing(day, "week").start


def week_label(week_start):
    return Period.containing(week_start, "week").label_zh


def weeks_between(start, end):
    """Mondays of the ISO weeks from the week containing `start` to the one containing `end`."""
    week, last = Period.containing(start, "week"), monday(end)
    out = []
    while week.start <= last:
        out.append(week.start)
        week = week.next()
    return out


def form_weeks(form, *, until=None):
    """The weeks a form expects reports for, up to the week containing `until` (default today)."""
    until = until or clock.today()
    end = min(until, form.end_date) if form.end_date else until
    return weeks_between(form.start_date, end) if end >= form.start_date else []


@dataclass
class UnitWeek:
    unit: object
    week_start: date
    submission: Submission | None
    due_at: object
    now: object

    @property
    def state(self):
        """expected → submitted on time / late, missing (due passed, nothing), pending (not due
        yet), returned (waiting for correction), draft counts as not submitted."""
        s = self.submission
        if s is None or s.first_submitted_at is None:
            return "missing" if self.now > self.due_at else "pending"
        if s.status == S.RETURNED:
            return "returned"
        return "on_time" if s.first_submitted_at <= self.due_at else "late"

    @property
    def state_label(self):
        return STATE_LABELS[self.state]


STATE_LABELS = {
    "missing": "未报送",
    "pending": "未到截止时间",
    "returned": "已退回",
    "on_time": "按时报送",
    "late": "逾期报送",
}


def week_status(form, week_start, *, units=None, now=None):
    """One row per assigned unit (optionally restricted to `units`) for one week."""
    now = now or timezone.now()
    assigned = form.units.all().order_by("path")
    if units is not None:
        assigned = assigned.filter(pk__in=units.values("pk"))
    subs = {s.unit_id: s for s in Submission.objects.filter(form=form, week_start=week_start)}
    due = form.due_at(week_start)
    return [UnitWeek(u, week_start, subs.get(u.pk), due, now) for u in assigned]


def reporting_rates(form, weeks, *, units=None, now=None):
    """Expected / submitted / on time / late / missing over the given weeks, per unit and overall,
    with reporting rate = submitted ÷ expected and timeliness = on time ÷ expected (DHIS2).
    Weeks not yet due are excluded from "expected". A returned week counts as submitted (on
    time or late by its first submission) and also as returned. Set-based: one query for the
    submissions' (unit, week, first submission, status), no model instances."""
    now = now or timezone.now()
    assigned_qs = form.units.all()
    if units is not None:
        assigned_qs = assigned_qs.filter(pk__in=units.values("pk") if hasattr(units, "values") else [u.pk for u in units])
    assigned = list(assigned_qs.order_by("path").values_list("pk", "name"))
    due = {w: form.due_at(w) for w in weeks}
    due_weeks = [w for w in weeks if due[w] < now]
    seen = {}
    if due_weeks:
        # the database compares each first submission with its week's deadline and numbers the
        # week, so no timestamps or dates are converted in Python
        when = [When(week_start=w, first_submitted_at__lte=due[w], then=Value(1)) for w in due_weeks]
        index = [When(week_start=w, then=Value(i)) for i, w in enumerate(due_weeks)]
        rows = (Submission.objects.filter(form=form, week_start__in=due_weeks, unit__in=assigned_qs.values("pk"),
                                          first_submitted_at__isnull=False)
                .annotate(on_time=Case(*when, default=Value(0), output_field=IntegerField()),
                          week_no=Case(*index, output_field=IntegerField()))
                .values_list("unit_id", "week_no", "on_time", "status"))
        for unit_id, week_no, ok, status in rows:
            seen[(unit_id, due_weeks[week_no])] = (ok == 1, status == S.RETURNED)
    keys = ("expected", "submitted", "on_time", "late", "missing", "returned")
    per_unit = []
    n_weeks = len(due_weeks)
    for pk, name in assigned:
        counts = dict.fromkeys(keys, 0)
        counts["expected"] = n_weeks
        for w in due_weeks:
            hit = seen.get((pk, w))
            if hit is None:
                counts["missing"] += 1
                continue
            on_time, returned = hit
            counts["submitted"] += 1
            counts["on_time" if on_time else "late"] += 1
            counts["returned"] += returned
        per_unit.append({"unit": name, "unit_id": pk, **counts, **_rates(counts)})
    total = {k: sum(r[k] for r in per_unit) for k in keys}
    return {"units": per_unit, **total, **_rates(total), "weeks": n_weeks}


def _rates(c):
    exp = c["expected"]
    return {
        "reporting_rate": round(c["submitted"] * 100 / exp, 1) if exp else None,
        "timeliness": round(c["on_time"] * 100 / exp, 1) if exp else None,
    }


def totals_by_unit(form, *, through, units, statuses=(S.SUBMITTED, S.APPROVED)):
    """Per reporting unit: the sum of each figure over the weeks ended by `through`
    (`core.periods.last_ended_week_start`, the one rule), and the ids of the submissions summed — one GROUP BY over the JSON figures (json_extract on
    SQLite, ->> on PostgreSQL), not a query per unit."""
    from django.db.models import DecimalField, Value
    from django.db.models import Sum as _Sum
    from django.db.models.fields.json import KT
    from django.db.models.functions import Cast, NullIf

    codes = [f["code"] for f in form.fields]
    qs = Submission.objects.filter(form=form, week_start__lte=last_ended_week_start(through), status__in=statuses,
                                   unit__in=units).order_by()
    num = DecimalField(max_digits=20, decimal_places=4)
    sums = {f"s_{i}": _Sum(Cast(NullIf(KT(f"figures__{c}"), Value("")), num)) for i, c in enumerate(codes)}
    totals = {}
    for r in qs.values("unit_id").annotate(**sums):
        totals[r["unit_id"]] = {c: Decimal(str(r[f"s_{i}"] or 0)) for i, c in enumerate(codes)}
    ids = {}
    for uid, sid in qs.values_list("unit_id", "id"):
        ids.setdefault(uid, []).append(sid)
    return totals, ids


def totals_to_date(form, *, through, units=None, statuses=(S.SUBMITTED, S.APPROVED)):
    """Sum of each figure over the weeks ended by `through` (`core.periods.last_ended_week_start`:
    its Sunday ≤ through — the one rule of "to date"), over the given units' subtrees (all assigned units by default). Returns
    ({code: total}, [submission ids])."""
    qs = Submission.objects.filter(form=form, week_start__lte=last_ended_week_start(through), status__in=statuses)
    if units is not None:
        qs = qs.filter(unit__in=units)
    totals = {f["code"]: Decimal(0) for f in form.fields}
    ids = []
    for s in qs.only("id", "figures"):
        ids.append(s.pk)
        for code in totals:
            v = s.figures.get(code)
            if v not in (None, ""):
                totals[code] += Decimal(str(v))
    return totals, ids


def unit_history(form, unit, code, *, before, limit=26):
    """This unit's past weekly values of one figure (submitted or approved weeks)."""
    rows = Submission.objects.filter(
        form=form, unit=unit, week_start__lt=before, status__in=(S.SUBMITTED, S.APPROVED)
    ).order_by("-week_start")[:limit]
    return [Decimal(str(r.figures[code])) for r in rows if r.figures.get(code) not in (None, "")]


def robust_outlier(value, history, *, threshold=3.5, min_history=4):
    """Whether `value` lies far outside the unit's own history, by the modified z-score
    0.6745·(x − median)/MAD (Iglewicz & Hoaglin), not mean ± SD which the outliers themselves
    inflate. When MAD is 0 (a flat history) any change larger than max(3, median) counts."""
    if len(history) < min_history:
        return False
    xs = [float(h) for h in history]
    med = statistics.median(xs)
    mad = statistics.median(abs(x - med) for x in xs)
    x = float(value)
    if mad == 0:
        return abs(x - med) > max(3.0, abs(med))
    return abs(0.6745 * (x - med) / mad) > threshold


def _n(d):
    return f"{d.normalize():f}" if d == d.to_integral() else str(d)


def rule_violations(form, unit, week_start, figures, *, as_flags=False):
    """THE rule check of a week's figures: [(rule, message)] for each of the form's rules the week
    breaks. "cumulative_lte": the unit's left figure to date (the weeks before plus this one) is
    above the right one; "lte": this week's left figure is above the right one. A rule's
    "severity" says what a violation does: "block" (default) refuses the week, "flag" lets it
    through with a required explanation (e.g. trees planted from seedlings bought last year).
    `as_flags` reads every rule as a flag (an import's rows carry their 说明 instead of failing)."""
    labels = form.field_labels()
    out = []
    prev = None
    for rule in form.rules:
        rule = {**rule, "severity": "flag"} if as_flags else rule
        left, right = rule.get("left"), rule.get("right")
        if rule.get("type") == "cumulative_lte":
            if prev is None:
                prev, _ = totals_to_date(form, through=week_start - timedelta(days=1), units=[unit])
            lt = prev.get(left, 0) + Decimal(str(figures.get(left) or 0))
            rt = prev.get(right, 0) + Decimal(str(figures.get(right) or 0))
            if lt > rt:
                if rule.get("severity") == "flag":
                    msg = f"累计{labels.get(left, left)}（{_n(lt)}）超过累计{labels.get(right, right)}（{_n(rt)}）"
                else:
                    msg = rule.get("message") or f"累计{labels[left]}（{lt}）不能超过累计{labels[right]}（{rt}）"
                out.append((rule, msg))
        elif rule.get("type") == "lte":
            if (figures.get(left) or 0) > (figures.get(right) or 0):
                msg = (f"{labels.get(left, left)}超过{labels.get(right, right)}" if rule.get("severity") == "flag"
                       else rule.get("message") or f"{labels[left]}不能超过{labels[right]}")
                out.append((rule, msg))
    return out


def check_figures(form, unit, week_start, figures, *, draft=False):
    """(errors, warnings, flags): errors are blocking rule violations that refuse the submission;
    warnings are outliers that the user must confirm; flags are violations of "flag" rules, which
    need an explanation. A draft is only checked for impossible values (negatives); required
    figures and rules apply when it is submitted."""
    errors, warnings, flags = {}, [], []
    for f in form.fields:
        v = figures.get(f["code"])
        if v is None and f.get("required", True) and not draft:
            errors[f["code"]] = f"请填写“{f['label']}”"
        elif v is not None and v < 0:
            errors[f["code"]] = f"“{f['label']}”不能为负数"
    if errors or draft:
        return errors, warnings, flags
    for rule, msg in rule_violations(form, unit, week_start, figures):
        if rule.get("severity") == "flag":
            flags.append(msg)
        else:
            errors[rule["left"]] = msg
    for f in form.fields:
        v = figures.get(f["code"])
        if v is not None and robust_outlier(v, unit_history(form, unit, f["code"], before=week_start)):
            warnings.append(
                f"“{f['label']}”本周为{_fmt(v)}{f.get('unit', '')}，明显偏离本单位以往各周水平，请确认"
            )
    return errors, warnings, flags


def _fmt(v):
    d = Decimal(str(v))
    return f"{d.normalize():f}" if d == d.to_integral() else str(d)


def forms_for(user):
    """Active report forms with at least one assigned unit in the user's dispatch scope."""
    from countyworks.core.models import OrgUnit, Programme
    from countyworks.core.scope import scope_q

    units = OrgUnit.objects.filter(scope_q(user, programme=Programme.DISPATCH, unit_field="pk"))
    return ReportForm.objects.filter(active=True, units__in=units).distinct()
