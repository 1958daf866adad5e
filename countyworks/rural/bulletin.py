"""What the rural programme contributes to the monthly bulletin: the greening section (figures to
date by their aggregation type, plan and grid coverage — "已全覆盖" only at 100 %, else the
percentage and the villages still missing, named —, the meetings, a table per subdistrict and per
village with rank) and the typical-village section. Every number carries a ref to its records."""

from countyworks.core.models import path_q
from countyworks.reporting.content import area, cell, names, num, paragraph, run, table

from . import selectors
from .models import CultivationTask, Designation

VILLAGE_TABLE_MAX = 60  # villages listed one by one; beyond that only the per-unit table

SUB = "dispatch.submission"


def _rank(rows, key="trees_planted"):
    rows = sorted(rows, key=lambda r: (-r[key], r["code"]))
    rank, prev = 0, None
    for i, r in enumerate(rows, 1):
        rank = rank if r[key] == prev else i
        prev = r[key]
        r["rank"] = rank
    return rows


def _pct_text(p):
    return "—" if p is None else f"{p:.1f}%"


def greening_section(b):
    form = selectors.greening_form()
    s = selectors.greening_stats(unit=b.unit, through=b.through, with_ids=True)
    if form is None and not s["villages_total"]:
        return
    year = b.period.start.year
    ids = s["ids"]
    fields = {f["code"]: f for f in form.fields} if form else {}
    b.section("乡村绿化工作进展")

    def ref(key, code, label, value):
        f = fields.get(code, {})
        chosen = ids.get(f"latest.{code}") if selectors.aggregation(f) == selectors.LATEST else ids["submissions"]
        return b.ref(f"green.{code}", f"截至{year}年{b.through_label}{label}", float(value), SUB, chosen or [])

    parts = [("training_attendances", "training", "参加乡村绿化培训共", "人次"),
             ("sages_visited", "sages_visited", "村“两委”干部走访乡贤共", "人"),
             ("party_members", "party_members", "参与“五带头”的农村党员", "人"),
             ("seedlings_secured", "seedlings_secured", "目前已落实苗木数量", "株"),
             ("trees_planted", "trees_planted", "已植树", "株")]
    present = [p for p in parts if p[1] in fields]
    full = s["villages_total"] > 0 and s["plan_coverage_pct"] == 100.0 and s["grid_coverage_pct"] == 100.0
    runs = [f"截至{b.through_label}，{area(b.unit)}村（社区）"]
    for i, (key, code, before, after) in enumerate(present):
        label = fields[code]["label"]
        if code == "seedlings_secured":
            if full:
                cover_key = b.ref("green.coverage", "已制定工作计划并建立网格化管护机制的村（社区）",
                                  s["villages_with_plan"], "rural.greeningplan", ids["plans"])
                runs += ["；" if i else "", run(f"{area(b.unit)}村（社区）已全覆盖制定工作计划（含绿化示意图）和建立网格化管护机制",
                                              cover_key), "，"]
            else:
                runs.append("；" if i else "")
        else:
            runs.append("，" if i else "")
        runs += [before, run(num(s[key]), ref(key, code, label, s[key])), after]
    if present:
        runs.append("。")
        b.blocks.append(paragraph(*runs))
    standalone = ids["events"]
    if standalone:
        from .models import EventSpecies

        trees = sum(EventSpecies.objects.filter(event_id__in=standalone).values_list("trees", flat=True))
        k = b.ref("green.events", "单独计入已植树的植树活动", trees, "rural.campaignevent", standalone)
        b.blocks.append(paragraph("已植树数中含未纳入村周报、单独计入的植树活动", run(len(standalone), k),
                                  f"场，植树{trees}株。"))
    _coverage(b, s, full)
    _meetings(b, form, s)
    _tables(b, s)


def _coverage(b, s, full):
    n = s["villages_total"]
    if not n or full:
        return
    ids = s["ids"]
    runs = [f"{area(b.unit)}{n}个村（社区）中，"]
    for what, key, pct, missing, model, ref_ids, miss_ids in (
        ("制定工作计划（经镇街审批）", "villages_with_plan", "plan_coverage_pct", "villages_without_plan",
         "rural.greeningplan", ids["plans"], ids["villages_without_plan"]),
        ("建立网格化管护机制", "villages_with_grid", "grid_coverage_pct", "villages_without_grid",
         "rural.maintenancegrid", ids["grids"], ids["villages_without_grid"]),
    ):
        if runs[-1] != runs[0]:
            runs.append("；")
        k = b.ref(f"green.{key}", f"已{what}的村（社区）", s[key], model, ref_ids)
        if s[pct] == 100.0:
            runs += [run(f"已全覆盖{what}", k)]
            continue
        runs += [f"已{what}的", run(f"{s[key]}个", k), f"，占{_pct_text(s[pct])}"]
        if s[missing]:
            mk = b.ref(f"green.{missing}", f"尚未{what}的村（社区）", len(s[missing]), "core.orgunit", miss_ids)
            runs += ["，尚未", what.split("（")[0], "的：", run(names(s[missing]), mk)]
    runs.append("。")
    b.blocks.append(paragraph(*runs))


def _meetings(b, form, s):
    if form is None or "meetings" not in form.field_labels():
        return
    assigned = list(form.units.filter(path_q(b.unit.path)).order_by("path").values_list("pk", flat=True))
    if not assigned:
        return
    by_village = {v["unit_id"]: v for v in s.get("villages", [])}
    held = [pk for pk in assigned if by_village.get(pk, {}).get("meetings", 0) > 0]
    key = b.ref("green.meeting_coverage", "已召开座谈会的村（社区）", len(held), "core.orgunit", held)
    cover = ("已全覆盖召开乡村座谈会" if len(held) == len(assigned)
             else f"已召开乡村座谈会的村（社区）{len(held)}个，占{len(held) * 100 / len(assigned):.1f}%")
    b.blocks.append(paragraph(f"{area(b.unit)}{len(assigned)}个填报村（社区）中，", run(cover, key), "。"))


def _row(b, r, head_key):
    uid, subs = r["unit_id"], r["ids"]["submissions"]
    k = b.ref(f"green.unit.{uid}", f"{r['unit']}已植树", float(r["trees_planted"]), SUB, subs)
    k_seed = b.ref(f"green.unit.{uid}.seedlings", f"{r['unit']}已落实苗木", float(r["seedlings_secured"]), SUB, subs)
    k_rate = b.ref(f"green.unit.{uid}.planted_pct", f"{r['unit']}植树率（已植树÷已落实苗木）",
                   r["planted_pct_of_secured"], SUB, subs)
    k_train = b.ref(f"green.unit.{uid}.training", f"{r['unit']}培训人次", float(r["training_attendances"]), SUB, subs)
    k_plan = b.ref(f"green.unit.{uid}.plans", f"{r['unit']}已制定的工作计划", r["plan_coverage_pct"],
                   "rural.greeningplan", r["ids"]["plans"])
    k_grid = b.ref(f"green.unit.{uid}.grids", f"{r['unit']}已建立的管护网格", r["grid_coverage_pct"],
                   "rural.maintenancegrid", r["ids"]["grids"])
    return [cell(r["rank"], r["rank"]), cell(r["unit"]),
            cell(num(r["seedlings_secured"]), float(r["seedlings_secured"]), k_seed),
            cell(num(r["trees_planted"]), float(r["trees_planted"]), k),
            cell(_pct_text(r["planted_pct_of_secured"]), r["planted_pct_of_secured"], k_rate),
            cell(num(r["training_attendances"]), float(r["training_attendances"]), k_train),
            cell(_pct_text(r["plan_coverage_pct"]), r["plan_coverage_pct"], k_plan),
            cell(_pct_text(r["grid_coverage_pct"]), r["grid_coverage_pct"], k_grid),
            cell(_pct_text(r["survival_pct"]), r["survival_pct"])]


COLUMNS = ["排名", "单位", "已落实苗木(株)", "已植树(株)", "植树率", "培训人次", "工作计划覆盖", "网格覆盖", "存活率"]


def _tables(b, s):
    villages = s.get("villages", [])
    kids = [r for r in s["by_unit"] if r["unit_id"] not in {v["unit_id"] for v in villages}]
    if kids:
        rows = _rank(kids)
        b.blocks.append(table(f"表{b.table_no()} 各镇（街道）乡村绿化进度（截至{b.through_label}）", COLUMNS,
                              [_row(b, r, "unit") for r in rows], key="green.by_unit"))
    if villages and len(villages) <= VILLAGE_TABLE_MAX:
        ranked = _rank([v for v in villages])
        b.blocks.append(table(f"表{b.table_no()} 各村（社区）乡村绿化进度（截至{b.through_label}）",
                              ["排名", "村（社区）", *COLUMNS[2:6], "工作计划", "管护网格", "存活率"],
                              [_row(b, r, "village")[:6]
                               + [cell("已制定" if r["villages_with_plan"] else "未制定"),
                                  cell("已建立" if r["villages_with_grid"] else "未建立"),
                                  cell(_pct_text(r["survival_pct"]), r["survival_pct"])] for r in ranked],
                              key="green.by_village"))
        praised, named, not_started = selectors.praise_and_named(ranked)
        runs = []
        if praised:
            runs += ["植树数量排名前三的村（社区）：", "、".join(r["unit"] for r in praised), "，予以通报表扬"]
        if named:
            started = [r for r in named if r not in not_started]
            parts = []
            if started:
                parts.append(f"植树数量排名靠后的村（社区）：{'、'.join(r['unit'] for r in started)}")
            if not_started:
                parts.append(f"尚未植树的村（社区）{len(not_started)}个：{'、'.join(r['unit'] for r in not_started)}")
            runs += ["；" if runs else "", "；".join(parts), "，请加快推进苗木落实和植树进度"]
        if runs:
            b.blocks.append(paragraph(*runs, "。"))


def typical_section(b):
    """Typical villages and towns of the unit's subtree designated by the bulletin's year: the
    count per level and each one's cultivation-task progress."""
    year = b.period.start.year
    qs = (Designation.objects.filter(path_q(b.unit.path, "unit__path"), year__lte=year)
          .select_related("unit", "level").prefetch_related("tasks").order_by("level__rank", "unit__path"))
    items = list(qs)
    if not items:
        return
    b.section("典型村镇培育")
    counts = {}
    for d in items:
        counts.setdefault(d.level.name, []).append(d.pk)
    runs = [f"{area(b.unit)}现有"]
    for i, (name, lst) in enumerate(counts.items()):
        k = b.ref(f"typical.{i}", name, len(lst), "rural.designation", lst)
        runs += ["、" if i else "", name, run(f"{len(lst)}个", k)]
    overdue = CultivationTask.objects.filter(designation__in=items, deadline__lt=b.through,
                                             progress__lt=selectors.F("target"))
    n_over = overdue.count()
    runs.append("。")
    if n_over:
        runs[-1] = f"；培育任务中有{n_over}项已超过完成时限尚未完成，请包抓领导督促推进。"
    b.blocks.append(paragraph(*runs))
    rows = []
    for d in items:
        p = selectors.designation_progress(d)
        rows.append([cell(d.level.name), cell(d.unit.name), cell(str(d.year)), cell(len(d.tasks.all()), len(d.tasks.all())),
                     cell(_pct_text(p), p)])
    b.blocks.append(table(f"表{b.table_no()} 典型村镇培育任务进度（截至{b.through_label}）",
                          ["级别批次", "村（镇）", "认定年度", "培育任务(项)", "平均进度"], rows, key="typical.progress"))



