"""Reads of the rural programme: the greening figures with their true aggregation, coverage of
work plans and maintenance grids, survival, typical-village progress and villager points.

The rules (shown on the rules page, rural:rules):

- The weekly greening report is the dispatch report form with code "greening". Each figure of
  the form declares its aggregation in the form's fields JSON (`"aggregation"`): "sum" (the
  default: 株, 人次, 次 — things done in the week; the total to date is the sum over weeks) or
  "latest" (乡贤人数, 党员人数 — distinct people, reported as the cumulative figure to date; the
  total to date is each village's latest reported value, summed over villages).
- Counted reports are submitted or approved weeks. "Through a date" counts the weeks that end
  (Sunday) on or before that date.
- A planting event (CampaignEvent) is counted once: when linked to the village's weekly report
  it is already in that report; otherwise its trees are added to the village's 已植树 on its own.
- Plan coverage: villages and communities of the unit with an approved work plan of the year of
  the date; grid coverage: with at least one maintenance grid in use.
- Survival (存活率) = trees alive ÷ trees planted, where trees planted is the 已植树 to date and
  trees alive = planted − lost + replanted (upkeep checks to date), never below 0 nor above planted;
  not known (None, "—") where no upkeep check has been recorded.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import DecimalField, F, Sum, Value, Window
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, NullIf, RowNumber

from countyworks.core import clock
from countyworks.core.models import Attachment, OrgUnit, path_q
from countyworks.core.periods import last_ended_week_start
from countyworks.dispatch.figures import AGGREGATIONS, LATEST, SUM, aggregation, aggregation_label  # noqa: F401

from .models import (
    VILLAGE_KINDS,
    CultivationTask,
    Designation,
    DesignationLevel,
    EventSpecies,
    GreeningPlan,
    MaintenanceGrid,
    PointEntry,
    UpkeepCheck,
    Villager,
)

GREENING_FORM = "greening"
MAP_CAPTION = "绿化示意图"
PHOTO_CAPTION = "现场照片"

# the statistics' names → the greening form's figure codes
FIGURES = {
    "seedlings_secured": "seedlings_secured",
    "trees_planted": "trees_planted",
    "training_attendances": "training",
    "sages_visited": "sages_visited",
    "party_members": "party_members",
    "meetings": "meetings",
}

# the default figures of the greening form (services.ensure_greening_form)
DEFAULT_FIELDS = [
    {"code": "seedlings_secured", "label": "已落实苗木", "unit": "株", "required": True, "aggregation": SUM},
    {"code": "trees_planted", "label": "已植树", "unit": "株", "required": True, "aggregation": SUM},
    {"code": "training", "label": "培训人次", "unit": "人次", "required": True, "aggregation": SUM},
    {"code": "sages_visited", "label": "走访乡贤", "unit": "人", "required": True, "aggregation": LATEST},
    {"code": "party_members", "label": "参与“五带头”党员", "unit": "人", "required": True, "aggregation": LATEST},
    {"code": "meetings", "label": "座谈会", "unit": "次", "required": True, "aggregation": SUM},
]
DEFAULT_RULES = [{"type": "cumulative_lte", "left": "trees_planted", "right": "seedlings_secured",
                  "severity": "flag", "message": "累计已植树不能超过累计已落实苗木"}]

COUNTED = ("submitted", "approved")
_NUM = DecimalField(max_digits=20, decimal_places=4)


def greening_form():
    from countyworks.dispatch.models import ReportForm

    return ReportForm.objects.filter(code=GREENING_FORM).first()


def last_counted_monday(through):
    """The Monday of the last week counted through `through` (core.periods' one rule: weeks that
    have ended by then)."""
    return last_ended_week_start(through)


def village_units(unit, *, on=None):
    """The villages and communities of the unit's subtree (the unit itself when it is one)."""
    on = on or clock.today()
    return OrgUnit.objects.filter(path_q(unit.path), kind__in=VILLAGE_KINDS).active_on(on)


def _value(code):
    return Cast(NullIf(KT(f"figures__{code}"), Value("")), _NUM)


def figures_by_unit(form, *, through, units, with_ids=False):
    """{unit_id: {code: Decimal}} of the greening form's figures to date per reporting unit of
    `units` (a queryset of org units), each by its aggregation: "sum" = Σ over counted weeks,
    "latest" = the value of the unit's latest counted week that reports it. One grouped query for the
    sums and one ROW_NUMBER() window query per latest figure, not one query per unit. With `with_ids`,
    also {unit_id: [submission ids]} counted."""
    from countyworks.dispatch.models import Submission

    last = last_counted_monday(through)
    base = Submission.objects.filter(form=form, status__in=COUNTED, week_start__lte=last,
                                     unit__in=units.values("pk")).order_by()
    sums = [f["code"] for f in form.fields if aggregation(f) == SUM]
    latest = [f["code"] for f in form.fields if aggregation(f) == LATEST]
    out = {}
    zero = {f["code"]: Decimal(0) for f in form.fields}
    if sums:
        ann = {f"s_{i}": Sum(_value(c)) for i, c in enumerate(sums)}
        for r in base.values("unit_id").annotate(**ann):
            row = out.setdefault(r["unit_id"], dict(zero))
            for i, c in enumerate(sums):
                row[c] = Decimal(str(r[f"s_{i}"] or 0))
    ids = {}
    for c in latest:
        # each unit's newest counted week reporting the figure: ROW_NUMBER() over the unit's weeks
        rows = (base.filter(figures__has_key=c)
                .annotate(v=_value(c), rn=Window(RowNumber(), partition_by=[F("unit_id")], order_by=F("week_start").desc()))
                .filter(rn=1))
        for unit_id, v, sid in rows.values_list("unit_id", "v", "id"):
            out.setdefault(unit_id, dict(zero))[c] = Decimal(str(v or 0))
            if with_ids:
                ids.setdefault(("latest", c), {})[unit_id] = sid
    if with_ids:
        for uid, sid in base.values_list("unit_id", "id"):
            ids.setdefault(uid, []).append(sid)
    return out, ids


def standalone_event_trees(*, through, units):
    """{unit_id: (trees, [event ids])} of planting events up to `through` not linked to a weekly
    report (counted on their own)."""
    out = {}
    rows = (EventSpecies.objects.filter(event__report__isnull=True, event__date__lte=through,
                                        event__unit__in=units.values("pk"))
            .values_list("event__unit_id", "event_id", "trees"))
    for uid, eid, trees in rows:
        t, lst = out.get(uid, (0, []))
        out[uid] = (t + trees, lst if eid in lst else [*lst, eid])
    return out


@dataclass
class _V:
    pk: int
    name: str
    code: str
    path: str


def greening_stats(*, unit, through=None, with_ids=False, children=True):
    """The greening statistics of `unit`'s subtree through `through` (default today): the
    figures to date (by aggregation; standalone planting events added to 已植树), villages total,
    with an approved plan of the year, with a grid in use, coverage %, survival %, and `by_unit`:
    the same figures per child unit (the villages themselves under a town) ranked by trees
    planted. With `with_ids`, `ids` maps each figure to the records it counts."""
    through = through or clock.today()
    form = greening_form()
    villages = [_V(*r) for r in village_units(unit, on=through).order_by("path").values_list("pk", "name", "code", "path")]
    vids = {v.pk for v in villages}
    subtree = OrgUnit.objects.filter(path_q(unit.path))
    per_unit, sub_ids = (figures_by_unit(form, through=through, units=subtree, with_ids=with_ids)
                         if form else ({}, {}))
    events = standalone_event_trees(through=through, units=subtree)
    plans = dict(GreeningPlan.objects.filter(unit__in=subtree.values("pk"), year=through.year,
                                             status=GreeningPlan.Status.APPROVED).values_list("unit_id", "pk"))
    grids = {}
    for uid, gid in MaintenanceGrid.objects.filter(unit__in=subtree.values("pk"), active=True).values_list("unit_id", "pk"):
        grids.setdefault(uid, []).append(gid)
    checks = {r["grid__unit_id"]: (r["lost"], r["replanted"]) for r in
              UpkeepCheck.objects.filter(grid__unit__in=subtree.values("pk"), date__lte=through).order_by()
              .values("grid__unit_id").annotate(lost=Coalesce(Sum("lost"), 0), replanted=Coalesce(Sum("replanted"), 0))}
    paths = dict(subtree.values_list("pk", "path"))
    latest_codes = [f["code"] for f in (form.fields if form else ()) if aggregation(f) == LATEST]

    def figures_of(uids):
        t = dict.fromkeys(FIGURES, Decimal(0))
        for uid in uids:
            row = per_unit.get(uid)
            if row:
                for key, code in FIGURES.items():
                    t[key] += row.get(code, Decimal(0))
            if uid in events:
                t["trees_planted"] += events[uid][0]
        return t

    def block(uids, village_ids):
        t = figures_of(uids)
        extra = {}
        if with_ids:
            extra["ids"] = {
                "submissions": sorted(i for u in uids for i in sub_ids.get(u, [])),
                "events": sorted(i for u in uids for i in events.get(u, (0, []))[1]),
                "plans": sorted(plans[v] for v in village_ids if v in plans),
                "grids": sorted(g for v in village_ids for g in grids.get(v, [])),
                **{f"latest.{c}": sorted(sid for u, sid in sub_ids.get(("latest", c), {}).items() if u in uids)
                   for c in latest_codes},
            }
        planted = lost = replanted = Decimal(0)
        checked = False
        for uid in uids:
            if uid in checks:
                checked = True
                lo, re = checks[uid]
                lost, replanted = lost + lo, replanted + re
        planted = t["trees_planted"]
        alive = min(planted, max(Decimal(0), planted - lost + replanted))
        with_plan = [v for v in village_ids if v in plans]
        with_grid = [v for v in village_ids if v in grids]
        n = len(village_ids)
        out = {key: _plain(v) for key, v in t.items()}
        out.update(
            planted_pct_of_secured=_pct(t["trees_planted"], t["seedlings_secured"]),
            villages_total=n, villages_with_plan=len(with_plan), villages_with_grid=len(with_grid),
            plan_coverage_pct=_pct(len(with_plan), n), grid_coverage_pct=_pct(len(with_grid), n),
            trees_lost=_plain(lost), trees_replanted=_plain(replanted),
            survival_pct=_pct(alive, planted) if checked else None,  # no upkeep check: not known
        )
        out.update(extra)
        return out, with_plan, with_grid

    all_uids = set(paths)
    totals, with_plan, with_grid = block(all_uids, sorted(vids))
    result = {"unit": unit.name, "unit_id": unit.pk, "through": through.isoformat(), **totals}
    missing_plan = [v.name for v in villages if v.pk not in plans]
    missing_grid = [v.name for v in villages if v.pk not in grids]
    result["villages_without_plan"] = missing_plan
    result["villages_without_grid"] = missing_grid
    result["aggregation"] = {key: aggregation(f) for f in (form.fields if form else ())
                             for key, code in FIGURES.items() if f["code"] == code}
    by_unit = []
    if children:
        kids = list(OrgUnit.objects.filter(parent=unit).order_by("sort_order", "code")
                    .values_list("pk", "name", "code", "path"))
        for pk, name, code, path in kids:
            uids = {u for u, p in paths.items() if p.startswith(path)}
            kid_villages = [v.pk for v in villages if v.path.startswith(path)]
            has_data = any(u in per_unit or u in events for u in uids)
            if not kid_villages and not has_data:
                continue  # a bureau or team: no villages and nothing reported
            row, _, _ = block(uids, kid_villages)
            by_unit.append({"unit": name, "unit_id": pk, "code": code, **row})
        by_unit.sort(key=lambda r: (-r["trees_planted"], r["code"]))
        rank, prev = 0, None
        for i, r in enumerate(by_unit, 1):
            rank = rank if r["trees_planted"] == prev else i
            prev = r["trees_planted"]
            r["rank"] = rank
    result["by_unit"] = by_unit
    if with_ids:
        result["ids"]["villages_without_plan"] = [v.pk for v in villages if v.pk not in plans]
        result["ids"]["villages_without_grid"] = [v.pk for v in villages if v.pk not in grids]
        result["villages"] = [{"unit": v.name, "unit_id": v.pk, "code": v.code, **block({v.pk}, [v.pk])[0]}
                              for v in villages]
        result["village_ids"] = [v.pk for v in villages]
    return result


def _pct(a, b):
    if not b:
        return None
    return round(float(Decimal(a) * 100 / Decimal(b)), 1)


def _plain(v):
    d = Decimal(v)
    return int(d) if d == d.to_integral() else float(d)


def village_progress(plan, *, through=None):
    """A village's progress against its work plan: seedlings secured and trees planted against
    the plan's figures — the same rules as greening_stats, through the end of the current week, so
    that the village sees the week it has just reported."""
    through = through or clock.today()
    week_end = through + timedelta(days=7 - through.isoweekday())
    s = greening_stats(unit=plan.unit, through=week_end, children=False)
    return {
        "seedlings_secured": s["seedlings_secured"], "trees_planted": s["trees_planted"],
        "seedlings_pct": _pct(s["seedlings_secured"], plan.seedlings_planned),
        "trees_pct": _pct(s["trees_planted"], plan.trees_planned),
        "survival_pct": s["survival_pct"],
        "through": through,
    }


# --- attachments of plans and checks ------------------------------------------------------------


def attachments_of(obj, caption=None):
    qs = Attachment.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
    if caption:
        qs = qs.filter(caption=caption)
    return list(qs.order_by("-uploaded_at", "-pk"))


def plan_maps(plan):
    return attachments_of(plan, MAP_CAPTION)


def is_image(att):
    return att.original_name.rsplit(".", 1)[-1].lower() in {"jpg", "jpeg", "png", "gif", "webp"}


# --- typical villages ------------------------------------------------------------------------------


def designation_progress(designation):
    """The mean progress % of a typical village's cultivation tasks (each capped at 100), or None."""
    pcts = [t.progress_pct for t in designation.tasks.all() if t.progress_pct is not None]
    return round(sum(pcts) / len(pcts), 1) if pcts else None


def typical_by_level(designations):
    """[(level, [(designation, progress %)])] in level order, for the grouped list page."""
    groups = {}
    for d in designations.select_related("unit", "level").prefetch_related("tasks"):
        groups.setdefault(d.level, []).append((d, designation_progress(d)))
    return sorted(groups.items(), key=lambda kv: (kv[0].rank, kv[0].name))


def typical_counts(*, unit, year=None):
    """{level name: [designation ids]} of the unit's subtree (designations up to `year`)."""
    qs = Designation.objects.filter(path_q(unit.path, "unit__path"))
    if year:
        qs = qs.filter(year__lte=year)
    out = {lvl.name: [] for lvl in DesignationLevel.objects.filter(active=True)}
    for name, pk in qs.values_list("level__name", "pk").order_by("level__rank", "pk"):
        out.setdefault(name, []).append(pk)
    return {k: v for k, v in out.items() if v}


def overdue_tasks(*, unit, as_of):
    return (CultivationTask.objects.filter(path_q(unit.path, "designation__unit__path"), deadline__lt=as_of)
            .filter(progress__lt=F("target")).select_related("designation__unit"))


# --- points ------------------------------------------------------------------------------------------


def balances(villagers):
    """Villagers annotated with `balance` (Σ points) — the ledger is the only source."""
    return villagers.annotate(balance=Coalesce(Sum("entries__points"), 0))


def village_ranking(villagers):
    """Villagers by balance, highest first, with their rank (equal balances share a rank)."""
    rows = list(balances(villagers).order_by("-balance", "name", "pk"))
    rank, prev = 0, None
    for i, v in enumerate(rows, 1):
        rank = rank if v.balance == prev else i
        prev = v.balance
        v.rank = rank
    return rows


def monthly_notice(*, unit, month_start, month_end):
    """The monthly points notice of one village (no phone numbers): per villager the points
    earned and redeemed in the month (reversals netted into the kind they reverse) and the
    balance at the month's end, ranked by balance."""
    entries = PointEntry.objects.filter(villager__unit=unit, date__lte=month_end).select_related("reverses")
    rows = {}
    for v in Villager.objects.filter(unit=unit, active=True).order_by("name"):
        rows[v.pk] = {"name": v.name, "earned": 0, "redeemed": 0, "balance": 0}
    for e in entries:
        r = rows.setdefault(e.villager_id, {"name": e.villager.name, "earned": 0, "redeemed": 0, "balance": 0})
        r["balance"] += e.points
        if month_start <= e.date <= month_end:
            kind = e.reverses.kind if e.kind == PointEntry.Kind.REVERSAL else e.kind
            if kind == PointEntry.Kind.EARN:
                r["earned"] += e.points
            else:
                r["redeemed"] -= e.points
    out = sorted(rows.values(), key=lambda r: (-r["balance"], r["name"]))
    rank, prev = 0, None
    for i, r in enumerate(out, 1):
        rank = rank if r["balance"] == prev else i
        prev = r["balance"]
        r["rank"] = rank
    return out



def praise_and_named(ranked, key="trees_planted"):
    """THE rule of the greening bulletin's 表扬 / 批评 (stated in COUNTING_RULES): `ranked` rows
    (rank ties shared). Returns (praised, named, not_started): praised = rank ≤ 3 with something
    planted; named = the others at or below the third-lowest value; not_started = those of named
    with nothing planted. Nothing when there are fewer than six or all are equal."""
    if len(ranked) < 6 or len({r[key] for r in ranked}) == 1:
        return [], [], []
    praised = [r for r in ranked if r["rank"] <= 3 and r[key] > 0]
    cut = sorted(r[key] for r in ranked)[2]
    named = [r for r in ranked if r[key] <= cut and r not in praised]
    return praised, named, [r for r in named if not r[key]]


COUNTING_RULES = [
    ("周报指标的汇总方式", "乡村绿化周报的每个指标在报表上声明汇总方式：“按周累加”（株、人次、次：本周完成的数量，"
     "截至某日的累计 = 各周之和）；“取最新累计值”（乡贤人数、党员人数：不重复的人数，每周填报截至本周的累计人数，"
     "截至某日的累计 = 各村（社区）最近一次填报的数值之和）。某村三周填报走访乡贤5、8、8人，累计为8人而不是21人。"
     "指标已有填报数据后，不能再更改其汇总方式。"),
    ("计入的周报", "计入已提交和已审核的周报；草稿和被退回的周报不计入。“截至某日”计入周日在该日及以前的各周。"),
    ("规则校验", "累计已植树不应超过累计已落实苗木；超过时不拦截，但须填写说明，周报上显示提示。"),
    ("植树活动只计一次", "植树活动关联了活动所在村当周的绿化周报的，其株数已含在该周报中，不再另计；"
     "未关联周报的活动，其株数单独计入该村和全区的已植树数。"),
    ("工作计划和网格覆盖", "工作计划覆盖率 = 已审批本年度工作计划的村（社区）÷ 村（社区）总数；网格覆盖率 = "
     "至少有一个在用管护网格的村（社区）÷ 村（社区）总数。只有达到100%才称“已全覆盖”，否则列出尚未覆盖的村（社区）。"),
    ("存活率", "存活率 = 存活株数 ÷ 已植树株数；存活株数 = 已植树 − 巡查登记的死亡/损失 + 补植（不小于0，不大于已植树）。"
     "尚无管护巡查记录的，存活率显示“—”。"),
    ("排名", "各单位按已植树株数从多到少排名，株数相同的名次相同。"),
    ("通报表扬和批评", "村（社区）不少于6个时：名次在前三（含并列）且已植树的村（社区）予以表扬；"
     "已植树株数不高于倒数第三名（含并列）的其余村（社区）请加快进度，其中一株未植的写作“尚未植树”；"
     "各村（社区）株数全部相同时不表扬也不批评。"),
    ("村民积分", "积分台账只能追加：获得、兑换各记一笔，登记错误以冲正记录更正（原记录保留）；积分余额 = 台账各笔之和；"
     "兑换不能超过余额。月度积分公示不显示电话号码。"),
]
