"""Reads and statistics of the investment programme. The counting rules (统计口径) live in
`counted_projects` and nowhere else: every statistic, report and bulletin calls it."""

import statistics
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import StrIndex, Substr

from countyworks.core import clock
from countyworks.core.models import OrgUnit, Target, path_q
from countyworks.core.periods import completion_pct, shift_year, yoy_pct

from .models import (
    UNIT_1B,
    UNIT_100M,
    Activity,
    EvalCriterion,
    EvalDimension,
    Evaluation,
    Lead,
    Milestone,
    Project,
    ReviewItem,
    VetoItem,
)

COUNTING_RULES = [
    "项目在签约当年统计一次：以签约日期所在年度计入，之后年度不再重复计算。",
    "“亿元以上项目”指计划总投资 ≥ 10,000 万元（1亿元）的项目；“10亿元以上项目”指计划总投资 ≥ 100,000 万元。",
    "增资扩产项目只统计新增投资额（录入的计划总投资即为增量），门槛也按增量判断。",
    "项目计入其责任单位及其所有上级单位（如计入某村的项目同时计入其所在街道和区）。",
    "同比：本年1月1日至统计截止日，对比上年1月1日至上年同月同日；增长率 =（本期 − 上年同期）÷ 上年同期 × 100%，"
    "保留一位小数，上年同期为0时不计算。",
    "目标完成率 = 实际完成 ÷ 年度目标 × 100%，保留一位小数。",
    "时序进度 = 统计月份 ÷ 12 × 100%（如3月为25.0%），保留一位小数。",
    "通报表扬：亿元以上项目数排名第一的单位（至少1个项目），以及已设年度目标且亿元以上项目目标完成率达到100%的单位。",
    "通报批评：已设年度目标、亿元以上项目目标完成率低于时序进度的单位；未设目标的单位不作完成率评价。"
    "只有各单位都设了目标且均不低于时序进度时，月通报才写“均达到时序进度”，并点名项目数排名末位的单位。",
]


def time_progress_pct(month):
    """时序进度 of a month: month / 12 × 100, one decimal."""
    return round(month / 12 * 100, 1)


def praise_and_criticism(rows, month):
    """THE rule of the bulletin's 通报表扬 / 通报批评 (stated in COUNTING_RULES): `rows` are the
    ranked child units of `units_breakdown`. Returns (praised, named, all_on_track, last): praised =
    rank 1 with at least one project, or a target met (≥ 100 %); named = a target set and its
    completion below the time progress; all_on_track only when every unit has a target and none is
    named (then `last` = the units ranked last)."""
    tp = time_progress_pct(month)
    praised = [r for r in rows if (r["rank"] == 1 and r["projects_100m"] > 0)
               or (r["target_projects_100m_pct"] is not None and r["target_projects_100m_pct"] >= 100)]
    named = [r for r in rows if r["target_projects_100m_pct"] is not None and r["target_projects_100m_pct"] < tp]
    all_on_track = bool(rows) and not named and all(r["target_projects_100m_pct"] is not None for r in rows)
    last = [r for r in rows if r["rank"] == rows[-1]["rank"]] if all_on_track and len(rows) > 2 else []
    return praised, named, all_on_track, last

INDICATOR_PROJECTS_100M = "projects_100m"
INDICATOR_INVESTMENT_100M = "investment_100m"


def _yi(wan):
    """万元 → 亿元, one decimal."""
    return float((Decimal(wan or 0) / Decimal(10000)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- the counting rule ------------------------------------------------------------------------


# The thresholds of the counting rule, as conditions usable in filters and aggregates (plain
# comparisons, so the database can use them directly rather than testing an annotation).
IS_100M = Q(planned_investment__gte=UNIT_100M)
IS_1B = Q(planned_investment__gte=UNIT_1B)


def counted_projects(*, start, end, unit=None, queryset=None):
    """THE counting rule (统计口径): the projects that count for `unit` (and every unit above
    the project's credited unit) in the span [start, end] — those whose 签约 date lies in the
    span, credited to a unit in `unit`'s subtree. Each row is annotated with `counted_amount`
    (万元; for an expansion the increment, which is what its planned investment holds),
    `is_100m` (≥ 10,000 万元) and `is_1b` (≥ 100,000 万元)."""
    qs = (queryset if queryset is not None else Project.objects.all()).filter(signed_date__gte=start,
                                                                              signed_date__lte=end)
    if unit is not None:
        qs = qs.filter(unit__in=OrgUnit.objects.filter(path_q(unit.path)).values("pk"))
    return qs.annotate(
        counted_amount=F("planned_investment"),
        is_100m=Case(When(IS_100M, then=Value(1)), default=Value(0), output_field=IntegerField()),
        is_1b=Case(When(IS_1B, then=Value(1)), default=Value(0), output_field=IntegerField()),
    )


def _span_aggregates(qs, prefix=""):
    return {
        f"{prefix}n100m": Count("pk", filter=IS_100M),
        f"{prefix}amt100m": Sum("counted_amount", filter=IS_100M),
        f"{prefix}n1b": Count("pk", filter=IS_1B),
        f"{prefix}n": Count("pk"),
        f"{prefix}amt": Sum("counted_amount"),
    }


def default_through(year, today=None):
    from countyworks.core.periods import default_through as rule

    return rule(year, today)


def _targets(unit, year):
    rows = Target.objects.filter(unit=unit, year=year, indicator__code__in=[INDICATOR_PROJECTS_100M,
                                                                              INDICATOR_INVESTMENT_100M])
    return {t.indicator.code: t.value for t in rows.select_related("indicator")}


def investment_stats(*, year, unit, through=None, with_ids=False):
    """Year-to-date investment statistics of `unit` (its whole subtree) through `through`
    against the same span of the previous year, with target completion, by industry and by
    child unit with ranks. Amounts in 亿元 (one decimal), percentages one decimal.

    `with_ids=True` adds "ids": the projects behind the year-to-date figures, taken from the same
    counted queryset in one query — {"projects_100m": [...], "projects_1b": [...],
    "by_unit": {child unit id: [...]}} — so a bulletin links every figure to its records without
    counting them again."""
    through = through or default_through(year)
    start, last_end = date(year, 1, 1), shift_year(through, -1)
    last_start = date(year - 1, 1, 1)
    base = counted_projects(start=last_start, end=through, unit=unit)
    this_q = Q(signed_date__gte=start, signed_date__lte=through)
    last_q = Q(signed_date__gte=last_start, signed_date__lte=last_end)
    agg = base.aggregate(
        n100m=Count("pk", filter=this_q & IS_100M),
        amt100m=Sum("counted_amount", filter=this_q & IS_100M),
        n1b=Count("pk", filter=this_q & IS_1B),
        n=Count("pk", filter=this_q),
        amt=Sum("counted_amount", filter=this_q),
        l_n100m=Count("pk", filter=last_q & IS_100M),
        l_amt100m=Sum("counted_amount", filter=last_q & IS_100M),
        l_n1b=Count("pk", filter=last_q & IS_1B),
    )
    targets = _targets(unit, year)
    t_n, t_amt = targets.get(INDICATOR_PROJECTS_100M), targets.get(INDICATOR_INVESTMENT_100M)

    by_industry = [
        {"industry": r["industry__name"] or "未分类", "projects_100m": r["n100m"], "projects": r["n"],
         "investment_yi": _yi(r["amt"])}
        for r in base.filter(this_q).values("industry__name", "industry__sort_order")
        .annotate(**{k: v for k, v in _span_aggregates(base).items() if k in ("n100m", "n", "amt")})
        .order_by("industry__sort_order")
    ]
    return {
        "year": year,
        "unit": unit.name,
        "unit_code": unit.code,
        "through": through.isoformat(),
        "projects": agg["n"],
        "investment_yi": _yi(agg["amt"]),
        "projects_100m": agg["n100m"],
        "projects_100m_last_year": agg["l_n100m"],
        "projects_100m_yoy_pct": yoy_pct(agg["n100m"], agg["l_n100m"]),
        "investment_100m_yi": _yi(agg["amt100m"]),
        "investment_100m_last_year_yi": _yi(agg["l_amt100m"]),
        "investment_100m_yoy_pct": yoy_pct(agg["amt100m"] or 0, agg["l_amt100m"] or 0),
        "projects_1b": agg["n1b"],
        "projects_1b_last_year": agg["l_n1b"],
        "projects_1b_yoy_pct": yoy_pct(agg["n1b"], agg["l_n1b"]),
        "target_projects_100m": float(t_n) if t_n is not None else None,
        "target_projects_100m_pct": completion_pct(agg["n100m"], t_n),
        "target_investment_yi": _yi(t_amt) if t_amt is not None else None,
        "target_investment_pct": completion_pct(agg["amt100m"] or 0, t_amt),
        "by_industry": by_industry,
        "by_unit": units_breakdown(unit=unit, year=year, through=through, base=base),
        **({"ids": _counted_ids(base.filter(this_q), unit)} if with_ids else {}),
    }


def _counted_ids(qs, unit):
    """The ≥1亿 projects of `qs` with the ≥10亿 flag and the child of `unit` each rolls up to
    (the path segment after `unit`'s own path; none for a project credited to `unit` itself)."""
    rest = Substr("unit__path", len(unit.path) + 1)
    ids = {"projects_100m": [], "projects_1b": [], "by_unit": {}}
    rows = (qs.filter(IS_100M).annotate(child=Substr(rest, 1, StrIndex(rest, Value("/")) - 1))
            .values_list("pk", "is_1b", "child", "unit_id").order_by("pk"))
    for pk, is_1b, child, unit_id in rows:
        ids["projects_100m"].append(pk)
        if is_1b:
            ids["projects_1b"].append(pk)
        if child and unit_id != unit.pk:
            ids["by_unit"].setdefault(int(child), []).append(pk)
    return ids


def units_breakdown(*, unit, year, through, base=None):
    """Per child unit of `unit`: this year's and last year's ≥1亿 counts and amounts (rolled up
    from the credited units below each child), YoY, targets and rank (by count, then amount)."""
    start, last_start, last_end = date(year, 1, 1), date(year - 1, 1, 1), shift_year(through, -1)
    base = base if base is not None else counted_projects(start=last_start, end=through, unit=unit)
    this_q = Q(signed_date__gte=start, signed_date__lte=through)
    last_q = Q(signed_date__gte=last_start, signed_date__lte=last_end)
    # the child a project rolls up to is the path segment right after `unit`'s own path: one
    # GROUP BY in SQL (projects credited to `unit` itself belong to no child)
    rest = Substr("unit__path", len(unit.path) + 1)
    per_child = base.filter(IS_100M).exclude(unit_id=unit.pk).annotate(
        child=Substr(rest, 1, StrIndex(rest, Value("/")) - 1)
    ).values("child").annotate(
        n100m=Count("pk", filter=this_q),
        amt100m=Sum("counted_amount", filter=this_q),
        n1b=Count("pk", filter=this_q & IS_1B),
        l_n100m=Count("pk", filter=last_q),
        l_amt100m=Sum("counted_amount", filter=last_q),
    ).order_by()
    children = list(OrgUnit.objects.filter(parent=unit).order_by("sort_order", "code"))
    totals = {c.pk: {"n": 0, "amt": Decimal(0), "n1b": 0, "ln": 0, "lamt": Decimal(0)} for c in children}
    for row in per_child:
        t = totals.get(int(row["child"])) if row["child"] else None
        if t is not None:
            t["n"], t["amt"], t["n1b"] = row["n100m"], row["amt100m"] or 0, row["n1b"]
            t["ln"], t["lamt"] = row["l_n100m"], row["l_amt100m"] or 0
    targets = {}
    for t in Target.objects.filter(unit__in=children, year=year,
                                   indicator__code__in=[INDICATOR_PROJECTS_100M, INDICATOR_INVESTMENT_100M]) \
            .select_related("indicator"):
        targets.setdefault(t.unit_id, {})[t.indicator.code] = t.value
    rows = []
    for c in children:
        t = totals[c.pk]
        tg = targets.get(c.pk, {})
        if not (t["n"] or t["ln"] or tg):
            continue
        rows.append({
            "unit": c.name, "unit_code": c.code, "unit_id": c.pk,
            "projects_100m": t["n"], "investment_100m_yi": _yi(t["amt"]), "projects_1b": t["n1b"],
            "projects_100m_last_year": t["ln"], "projects_100m_yoy_pct": yoy_pct(t["n"], t["ln"]),
            "investment_100m_last_year_yi": _yi(t["lamt"]), "investment_100m_yoy_pct": yoy_pct(t["amt"], t["lamt"]),
            "target_projects_100m": float(tg[INDICATOR_PROJECTS_100M]) if INDICATOR_PROJECTS_100M in tg else None,
            "target_projects_100m_pct": completion_pct(t["n"], tg.get(INDICATOR_PROJECTS_100M)),
            "target_investment_yi": _yi(tg[INDICATOR_INVESTMENT_100M]) if INDICATOR_INVESTMENT_100M in tg else None,
            "target_investment_pct": completion_pct(t["amt"], tg.get(INDICATOR_INVESTMENT_100M)),
        })
    rows.sort(key=lambda r: (-r["projects_100m"], -r["investment_100m_yi"], r["unit_code"]))
    rank, prev = 0, None
    for i, r in enumerate(rows, 1):
        key = (r["projects_100m"], r["investment_100m_yi"])
        rank = rank if key == prev else i
        r["rank"], prev = rank, key
    return rows


# --- pipeline, funnel, lifecycle ------------------------------------------------------------------


def funnel(*, leads, projects):
    """Leads → evaluated → approved → signed → started → producing, for the given querysets."""
    approved = ReviewItem.objects.filter(lead=OuterRef("pk"), decision__in=ReviewItem.APPROVING)
    agg = leads.aggregate(
        leads=Count("pk", distinct=True),
        evaluated=Count("pk", filter=Q(Exists(Evaluation.objects.filter(lead=OuterRef("pk")))), distinct=True),
        approved=Count("pk", filter=Q(Exists(approved)), distinct=True),
    )
    started = Milestone.objects.filter(project=OuterRef("pk"), kind=Milestone.Kind.STARTED, actual_date__isnull=False)
    producing = Milestone.objects.filter(project=OuterRef("pk"), kind=Milestone.Kind.PRODUCING,
                                         actual_date__isnull=False)
    p = projects.aggregate(signed=Count("pk"), started=Count("pk", filter=Q(Exists(started))),
                           producing=Count("pk", filter=Q(Exists(producing))))
    steps = [("线索", agg["leads"]), ("已评价", agg["evaluated"]), ("评审通过", agg["approved"]),
             ("已签约", p["signed"]), ("已开工", p["started"]), ("已投产", p["producing"])]
    top = max((n for _, n in steps), default=0) or 1
    return [{"label": label, "count": n, "pct": round(n * 100 / top, 1)} for label, n in steps]


def median_days_signed_to_started(projects):
    """Median of (开工 actual − 签约 date) in days over projects that have started."""
    rows = Milestone.objects.filter(project__in=projects, kind=Milestone.Kind.STARTED, actual_date__isnull=False) \
        .values_list("actual_date", "project__signed_date")
    days = [(a - s).days for a, s in rows]
    return statistics.median(days) if days else None


def overdue_milestones(projects, today=None):
    """Milestones whose planned date has passed without an actual date."""
    return Milestone.objects.overdue(today).filter(project__in=projects) \
        .select_related("project", "project__unit").order_by("planned_date")


def milestone_timeline(project, today=None):
    """The seven milestones in order with planned/actual dates, overdue flags and days since the
    previous reached milestone."""
    today = today or clock.today()
    have = {m.kind: m for m in project.milestones.all()}
    rows, prev_actual = [], None
    for kind in Milestone.ORDER:
        m = have.get(kind)
        planned = m.planned_date if m else None
        actual = m.actual_date if m else None
        rows.append({
            "kind": kind, "label": Milestone.Kind(kind).label, "planned": planned, "actual": actual,
            "overdue": bool(planned and not actual and planned < today),
            "late_days": (today - planned).days if planned and not actual and planned < today else
            ((actual - planned).days if planned and actual and actual > planned else 0),
            "days_from_previous": (actual - prev_actual).days if actual and prev_actual else None,
        })
        if actual:
            prev_actual = actual
    return rows


def project_stage(project):
    reached = [m.kind for m in project.milestones.all() if m.actual_date]
    if not reached:
        return "签约"
    return Milestone.Kind(max(reached, key=Milestone.ORDER.index)).label


# --- leads ----------------------------------------------------------------------------------------


def _name_key(name):
    """Company names compared without the legal-form and place noise that differs between
    near-identical spellings."""
    import re

    from countyworks.core.parsing import normalize_text

    s = normalize_text(name).replace("(", "").replace(")", "").replace(" ", "")
    for noise in ("有限责任公司", "股份有限公司", "有限公司", "集团", "公司", "广东省", "广东", "江门市", "江门", "深圳市",
                  "深圳"):
        s = s.replace(noise, "")
    return re.sub(r"[^\w]", "", s)


def lead_duplicates(*, credit_code=None, name=None, exclude_pk=None):
    """Open leads (any unit — the warning must show a lead of another unit) whose enterprise has
    the same 统一社会信用代码 or a near-identical name."""
    from difflib import SequenceMatcher

    open_leads = Lead.objects.filter(status__in=Lead.OPEN_STATUSES).select_related("enterprise", "unit")
    if exclude_pk:
        open_leads = open_leads.exclude(pk=exclude_pk)
    found = {}
    if credit_code:
        for lead in open_leads.filter(enterprise__credit_code=credit_code.upper()):
            found[lead.pk] = (lead, "统一社会信用代码相同")
    if name:
        key = _name_key(name)
        if len(key) >= 2:
            probe = key[:2]
            for lead in open_leads.filter(enterprise__name__contains=probe)[:500]:
                if lead.pk in found:
                    continue
                other = _name_key(lead.enterprise.name)
                if other == key or SequenceMatcher(None, key, other).ratio() >= 0.85:
                    found[lead.pk] = (lead, "企业名称相近")
    return list(found.values())


@dataclass
class DimensionScore:
    dimension: EvalDimension
    score: float  # 0..100 averaged over evaluators
    weighted: float
    lines: list = field(default_factory=list)  # (criterion, [points per evaluator], average, max)


@dataclass
class Scorecard:
    evaluators: list
    dimensions: list
    total: float | None
    grade: str
    recommendation: str
    vetoed: bool
    veto_texts: list


GRADES = [(85, "A", "建议准入"), (70, "B", "建议准入"), (60, "C", "有条件准入"), (0, "D", "不建议准入")]


def lead_scorecard(lead):
    """The six-good scorecard: each criterion's points averaged over the evaluators; a
    dimension's score is its points ÷ its maximum × 100; the total is the weighted mean of the
    dimensions. Any veto item ticked by any evaluator fails the lead whatever its score."""
    evaluations = list(Evaluation.objects.filter(lead=lead).select_related("evaluator")
                       .prefetch_related("scores", "vetoes").order_by("evaluator__username"))
    vetoes = sorted({v.text for e in evaluations for v in e.vetoes.all()})
    dims = list(EvalDimension.objects.prefetch_related("criteria").order_by("sort_order"))
    if not evaluations:
        return Scorecard([], [], None, "—", "尚未评价", bool(vetoes), vetoes)
    points = {(e.pk, s.criterion_id): s.points for e in evaluations for s in e.scores.all()}
    total_weight = sum((d.weight for d in dims), Decimal(0)) or Decimal(1)
    out, total = [], Decimal(0)
    for d in dims:
        lines, got, maxi = [], Decimal(0), Decimal(0)
        for c in d.criteria.all():
            per = [points.get((e.pk, c.pk)) for e in evaluations]
            vals = [p for p in per if p is not None]
            avg = sum(vals, Decimal(0)) / len(vals) if vals else Decimal(0)
            lines.append((c, per, float(round(avg, 1)), c.max_points))
            got += avg
            maxi += c.max_points
        score = got / maxi * 100 if maxi else Decimal(0)
        weighted = score * d.weight / total_weight
        total += weighted
        out.append(DimensionScore(d, float(round(score, 1)), float(round(weighted, 1)), lines))
    total_f = float(total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    if vetoes:
        grade, rec = "否决", "一票否决，不予准入"
    else:
        grade, rec = next((g, r) for floor, g, r in GRADES if total_f >= floor)
    return Scorecard([e.evaluator for e in evaluations], out, total_f, grade, rec, bool(vetoes), vetoes)


# --- field offices ------------------------------------------------------------------------------


def field_office_stats(*, since, until=None, unit=None):
    """Activities of the field offices (驻点招商办事处) since a date: outbound activities,
    enterprise visits (企业家次: each enterprise met at each activity) and leads collected."""
    offices = OrgUnit.objects.filter(kind=OrgUnit.Kind.FIELD_OFFICE)
    if unit is not None:
        offices = offices.filter(path_q(unit.path))
    until = until or clock.today()
    acts = Activity.objects.filter(unit__in=offices, date__gte=since, date__lte=until)
    through = Activity.enterprises.through.objects.filter(activity__in=acts)
    rows = []
    for o in offices.order_by("sort_order", "code"):
        a = acts.filter(unit=o)
        rows.append({
            "unit": o.name,
            "activities": a.count(),
            "outbound": a.filter(kind=Activity.Kind.OUTBOUND).count(),
            "enterprise_visits": through.filter(activity__unit=o).count(),
            "leads": Lead.objects.filter(Q(source_unit=o) | Q(unit=o), registered_on__gte=since,
                                         registered_on__lte=until).count(),
        })
    total = {k: sum(r[k] for r in rows) for k in ("activities", "outbound", "enterprise_visits", "leads")}
    return {"since": since.isoformat(), "until": until.isoformat(), "offices": rows, **total}


def criteria_for_form():
    return list(EvalCriterion.objects.select_related("dimension").order_by("dimension__sort_order", "sort_order"))


def active_vetoes():
    return list(VetoItem.objects.filter(active=True))
