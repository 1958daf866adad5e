"""What the weekly dispatch contributes to the monthly bulletin: the reporting rate of each weekly
form (应报/实报/按时) and the overdue key tasks, in every programme's bulletin; and, until the rural
programme owns it, the greening progress from the weekly greening form."""

from datetime import datetime, time
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone

from countyworks.core.models import OrgUnit, path_q
from countyworks.core.periods import completion_pct
from countyworks.reporting.content import area, cell, names, num, paragraph, run, table

from .models import ReportForm, Submission, Task
from .selectors import form_weeks, reporting_rates, totals_by_unit

GREENING_TABLE_MAX = 60  # reporting units listed one by one; beyond that, rolled up to child units


class _Unit(NamedTuple):
    """A reporting unit as the greening table needs it (26,000 of them in a province)."""

    pk: int
    name: str
    code: str
    path: str


def greening_section(b):
    """Greening progress to date from the weekly dispatch: the district sentence, meeting
    coverage, and a table per reporting unit — or, when more than GREENING_TABLE_MAX units
    report (a city or province bulletin), per child unit of the bulletin's unit."""


    form = ReportForm.objects.filter(code="greening").first()
    if form is None:
        return
    units = OrgUnit.objects.filter(path_q(b.unit.path))
    codes = [f["code"] for f in form.fields]
    by_unit, ids_by_unit = totals_by_unit(form, through=b.through, units=units)
    zero = dict.fromkeys(codes, Decimal(0))
    totals = {c: sum((t[c] for t in by_unit.values()), Decimal(0)) for c in codes}
    ids = sorted(i for v in ids_by_unit.values() for i in v)  # sorted once: ref() re-sorts in linear time
    m = "dispatch.submission"
    refs = {code: b.ref(f"green.{code}", f"截至{b.period.start.year}年{b.through_label}{label}", float(totals[code]), m, ids)
            for code, label in form.field_labels().items()}
    b.section("乡村绿化工作进展")
    parts = [("training", "参加乡村绿化培训共", "人次"), ("sages_visited", "村“两委”干部走访乡贤共", "人"),
             ("party_members", "参与“五带头”的农村党员", "人"), ("seedlings_secured", "目前已落实苗木数量", "株"),
             ("trees_planted", "已植树", "株")]
    runs = [f"截至{b.through_label}，{area(b.unit)}村（社区）"]
    present = [p for p in parts if p[0] in totals]
    for i, (code, before, after) in enumerate(present):
        sep = "" if i == 0 else ("；" if code == "seedlings_secured" else "，")
        runs += [sep + before, run(num(totals[code]), refs[code]), after]
    runs.append("。")
    b.blocks.append(paragraph(*runs))
    assigned = [_Unit(*row) for row in form.units.filter(pk__in=units.values("pk")).order_by("path")
                .values_list("pk", "name", "code", "path")]
    if assigned and "meetings" in totals:
        held = [u.pk for u in assigned if by_unit.get(u.pk, zero).get("meetings", 0) > 0]
        key = b.ref("green.meeting_coverage", "已召开座谈会的村（社区）", len(held), "core.orgunit", held)
        cover = "已全覆盖召开乡村座谈会" if len(held) == len(assigned) else \
            f"已召开乡村座谈会的村（社区）{len(held)}个，占{len(held) * 100 / len(assigned):.1f}%"
        b.blocks.append(paragraph(f"{area(b.unit)}{len(assigned)}个村（社区）中，", run(cover, key), "。"))
    if not assigned:
        return
    if len(assigned) <= GREENING_TABLE_MAX:
        per_unit = [(u, by_unit.get(u.pk, zero), ids_by_unit.get(u.pk, [])) for u in assigned]
        head, what = "村（社区）", "各村（社区）"
    else:  # roll the reporting units up to the bulletin unit's children
        children = {c.pk: c for c in OrgUnit.objects.filter(parent=b.unit)}
        agg = {pk: (dict(zero), []) for pk in children}
        cut = len(b.unit.path)
        path_of = {u.pk: u.path for u in assigned}
        for uid, unit_totals in by_unit.items():  # only units that reported anything
            path = path_of.get(uid, "")
            child = int(path[cut:].split("/", 1)[0]) if len(path) > cut else None
            if child in agg:
                t, lst = agg[child]
                for c in codes:
                    t[c] += unit_totals[c]
                lst.extend(ids_by_unit.get(uid, []))
        per_unit = [(children[pk], t, lst) for pk, (t, lst) in agg.items() if lst or any(t.values())]
        head, what = "单位", "各单位"
    per_unit.sort(key=lambda x: (-x[1].get("trees_planted", 0), x[0].code))
    rows, rank, prev = [], 0, None
    for i, (u, t, uids) in enumerate(per_unit, 1):
        rank = rank if t.get("trees_planted") == prev else i
        prev = t.get("trees_planted")
        k = b.ref(f"green.unit.{u.pk}", f"{u.name}已植树", float(t.get("trees_planted", 0)), m, uids)
        rate = completion_pct(t.get("trees_planted", 0), t.get("seedlings_secured", 0))
        rows.append([cell(rank, rank), cell(u.name),
                     cell(num(t.get("seedlings_secured", 0)), float(t.get("seedlings_secured", 0))),
                     cell(num(t.get("trees_planted", 0)), float(t.get("trees_planted", 0)), k),
                     cell(f"{rate:.1f}%" if rate is not None else "—", rate),
                     cell(num(t.get("training", 0)), float(t.get("training", 0)))])
    b.blocks.append(table(f"表{b.table_no()} {what}乡村绿化进度（截至{b.through_label}）",
                             ["排名", head, "已落实苗木(株)", "已植树(株)", "植树率", "培训人次"], rows,
                             key="green.by_unit"))
    if len(per_unit) >= 6:
        top = [u.name for u, _, _ in per_unit[:3]]
        bottom = [u.name for u, _, _ in per_unit[-3:]]
        b.blocks.append(paragraph(f"植树数量排名前三的{head}：", "、".join(top),
                                     f"，予以通报表扬；排名后三位的{head}：", "、".join(bottom),
                                     "，请加快推进苗木落实和植树进度。"))



def reporting_section(b):
    programmes = b.reporting_programmes
    forms = ReportForm.objects.filter(programme__in=programmes, active=True)
    tasks = Task.objects.overdue(b.through).filter(path_q(b.unit.path, "unit__path"), programme__in=programmes)
    if not forms and not tasks:
        return
    b.section("周调度报送和重点任务推进情况")
    units = OrgUnit.objects.filter(path_q(b.unit.path))
    for f in forms:
        weeks = sorted(
            {w for w in form_weeks(f, until=b.through) if b.period.start <= w <= b.period.end}
        )
        if not weeks:
            continue
        r = reporting_rates(
            f, weeks, units=units, now=timezone.make_aware(datetime.combine(b.through, time.max))
        )
        if not r["expected"]:
            continue
        subs = Submission.objects.filter(form=f, week_start__in=weeks, unit__in=units).values_list(
            "pk", flat=True
        )
        k = b.ref(
            f"dispatch.{f.code}.rate",
            f"{b.period.label_zh}{f.name}报送率",
            r["reporting_rate"],
            "dispatch.submission",
            list(subs),
        )
        missing = [u["unit"] for u in r["units"] if u["missing"]]
        late = [u["unit"] for u in r["units"] if u["late"]]
        runs = [
            f"{b.period.label_zh}“{f.name}”应报{r['expected']}份，实报{r['submitted']}份，报送率",
            run(f"{r['reporting_rate']:.1f}%", k),
            f"，按时报送率{r['timeliness']:.1f}%",
        ]
        if late:
            runs.append(f"；逾期报送的单位：{names(late)}")
        if missing:
            runs.append(f"；存在漏报的单位：{names(missing)}")
        runs.append("。")
        b.blocks.append(paragraph(*runs))
    if tasks:
        key = b.ref(
            "dispatch.tasks_overdue",
            "逾期未完成的重点任务",
            tasks.count(),
            "dispatch.task",
            list(tasks.values_list("pk", flat=True)),
        )
        b.blocks.append(
            paragraph(
                "重点任务中有", run(tasks.count(), key), "项已超过完成时限仍未完成，请包抓领导督促推进。"
            )
        )
        b.blocks.append(
            table(
                f"表{b.table_no()} 逾期重点任务",
                ["任务", "责任单位", "包抓领导", "完成时限"],
                [
                    [
                        cell(t.title),
                        cell(t.unit.name),
                        cell(str(t.leader) if t.leader else "—"),
                        cell(t.deadline.isoformat()),
                    ]
                    for t in tasks.select_related("unit", "leader")
                ],
                key="dispatch.tasks_overdue",
            )
        )

