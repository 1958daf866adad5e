"""Building a monthly bulletin from the data (月通报): computed sentences in the newspaper's own
style, tables per unit with completion rates, YoY and ranks, the units praised and named,
overdue items and the weekly-dispatch reporting rate. The result is the content structure of
content.py; every number carries a ref to the records it counts."""

import calendar
from datetime import date, datetime, time
from typing import NamedTuple

from django.db.models import Value
from django.db.models.functions import StrIndex, Substr
from django.utils import timezone

from countyworks.core.models import OrgUnit, Programme, path_q
from countyworks.core.periods import Period, completion_pct

from .content import cell, level1, paragraph, run, table
from .models import ReportForm, Submission, Task
from .selectors import form_weeks, reporting_rates, totals_by_unit

GREENING_TABLE_MAX = 60  # reporting units listed one by one; beyond that, rolled up to child units
PROGRAMME_TITLES = {"investment": "招商引资工作", "rural": "乡村振兴“百千万工程”工作", "all": "重点工作"}
ISSUERS = {
    "investment": "江海区投资促进中心",
    "rural": "江海区农业农村和水利局",
    "all": "江海区“百千万工程”指挥部办公室",
}


def _pct_phrase(p):
    if p is None:
        return "上年同期无可比数据"
    if p >= 0:
        return f"同比增长{p:.1f}%"
    return f"同比下降{abs(p):.1f}%"


def _num(v):
    f = float(v)
    return str(int(f)) if f == int(f) else f"{f:.1f}"


class _Unit(NamedTuple):
    """A reporting unit as the greening table needs it (26,000 of them in a province)."""

    pk: int
    name: str
    code: str
    path: str


def _names(names, limit=12):
    """A list of unit names for a sentence; long lists end in "等N个单位"."""
    if len(names) <= limit:
        return "、".join(names)
    return "、".join(names[:limit]) + f"等{len(names)}个单位"


def _span_label(period):
    y, m = period.start.year, period.start.month
    if m == 12:
        return f"{y}年"
    if m == 1:
        return f"{y}年1月"
    return f"{y}年1—{m}月"


def _area(unit):
    return (
        "全区"
        if unit.kind == OrgUnit.Kind.DISTRICT
        else ("全县" if unit.kind == OrgUnit.Kind.COUNTY else unit.name)
    )


class Builder:
    def __init__(self, *, programme, period, unit, issue_date=None, doc_number=""):
        self.programme = programme
        self.period = Period.parse(period)
        if self.period.kind != "month":
            raise ValueError("月通报的期间应为 YYYY-MM")
        self.unit = unit
        today = timezone.localdate()
        if self.period.start > today:
            # a month that has not begun has no records: refuse rather than print zeros
            raise ValueError(
                f"{self.period.label_zh}尚未开始（今天是{today.year}年{today.month}月{today.day}日），不能生成该月通报"
            )
        self.through = min(self.period.end, today)
        self.blocks, self.figures, self.n = [], {}, 0
        self.issue_date = issue_date or min(
            today,
            date(
                self.period.end.year,
                self.period.end.month,
                calendar.monthrange(*self.period.end.timetuple()[:2])[1],
            ),
        )
        self.doc_number = doc_number

    @property
    def through_label(self):
        """"3月底" for a finished month, "3月20日" while the month is still running."""
        t = self.through
        return f"{t.month}月底" if t == self.period.end else f"{t.month}月{t.day}日"

    def ref(self, key, label, value, model, ids):
        self.figures[key] = {"label": label, "value": value, "model": model, "ids": sorted(ids)}
        return key

    def section(self, text):
        self.n += 1
        self.blocks.append(level1(self.n, text))

    # --- investment ----------------------------------------------------------------------------
    def investment(self):
        from countyworks.investment.selectors import (
            IS_1B,
            IS_100M,
            counted_projects,
            investment_stats,
            overdue_milestones,
        )

        year, through = self.period.start.year, self.through
        s = investment_stats(year=year, unit=self.unit, through=through)
        span = counted_projects(start=date(year, 1, 1), end=through, unit=self.unit)
        ids_100m = list(span.filter(IS_100M).values_list("pk", flat=True))
        ids_1b = list(span.filter(IS_1B).values_list("pk", flat=True))
        label = _span_label(self.period)
        m = "investment.project"
        r_n = self.ref("inv.projects_100m", f"{label}亿元以上项目数", s["projects_100m"], m, ids_100m)
        r_amt = self.ref(
            "inv.investment_100m",
            f"{label}亿元以上项目计划总投资（亿元）",
            s["investment_100m_yi"],
            m,
            ids_100m,
        )
        r_1b = self.ref("inv.projects_1b", f"{label}10亿元以上项目数", s["projects_1b"], m, ids_1b)
        self.section("招商引资总体情况")
        self.blocks.append(
            paragraph(
                f"{label}，{_area(self.unit)}引进亿元以上产业项目",
                run(s["projects_100m"], r_n),
                "个，",
                _pct_phrase(s["projects_100m_yoy_pct"]),
                "；计划总投资",
                run(_num(s["investment_100m_yi"]), r_amt),
                "亿元，",
                _pct_phrase(s["investment_100m_yoy_pct"]),
                "；其中10亿元以上项目",
                run(s["projects_1b"], r_1b),
                "个，",
                _pct_phrase(s["projects_1b_yoy_pct"]),
                "。",
            )
        )
        if s["target_projects_100m_pct"] is not None or s["target_investment_pct"] is not None:
            runs = ["亿元以上项目数完成年度目标"]
            if s["target_projects_100m"] is not None:
                runs += [
                    f"（{_num(s['target_projects_100m'])}个）的",
                    f"{s['target_projects_100m_pct']:.1f}%",
                ]
            if s["target_investment_pct"] is not None:
                runs += [
                    f"，计划总投资完成年度目标（{_num(s['target_investment_yi'])}亿元）的",
                    f"{s['target_investment_pct']:.1f}%",
                ]
            runs.append("。")
            self.blocks.append(paragraph(*runs))

        rows = s["by_unit"]
        time_progress = round(self.period.start.month / 12 * 100, 1)
        if rows:
            self.section("各单位招商引资完成情况")
            table_rows = []
            # the ≥1亿 project ids behind each child's count, in one query (child = next path segment)
            rest = Substr("unit__path", len(self.unit.path) + 1)
            by_child = {}
            for child, pk in (span.filter(IS_100M).exclude(unit_id=self.unit.pk)
                              .annotate(child=Substr(rest, 1, StrIndex(rest, Value("/")) - 1))
                              .values_list("child", "pk")):
                by_child.setdefault(int(child), []).append(pk)
            for r in rows:
                uid = r["unit_id"]
                ids = by_child.get(uid, [])
                key = self.ref(
                    f"inv.unit.{uid}.projects_100m", f"{r['unit']}亿元以上项目数", r["projects_100m"], m, ids
                )
                table_rows.append(
                    [
                        cell(r["rank"], r["rank"]),
                        cell(r["unit"]),
                        cell(
                            _num(r["target_projects_100m"]) if r["target_projects_100m"] is not None else "—",
                            r["target_projects_100m"],
                        ),
                        cell(r["projects_100m"], r["projects_100m"], key),
                        cell(
                            f"{r['target_projects_100m_pct']:.1f}%"
                            if r["target_projects_100m_pct"] is not None
                            else "—",
                            r["target_projects_100m_pct"],
                        ),
                        cell(
                            _pct_phrase(r["projects_100m_yoy_pct"])
                            .replace("同比", "")
                            .replace("上年同期无可比数据", "—"),
                            r["projects_100m_yoy_pct"],
                        ),
                        cell(_num(r["investment_100m_yi"]), r["investment_100m_yi"]),
                        cell(
                            f"{r['target_investment_pct']:.1f}%"
                            if r["target_investment_pct"] is not None
                            else "—",
                            r["target_investment_pct"],
                        ),
                    ]
                )
            self.blocks.append(
                table(
                    f"表{self.table_no()} {label}各单位亿元以上项目完成情况",
                    [
                        "排名",
                        "单位",
                        "年度目标(个)",
                        "完成(个)",
                        "完成率",
                        "同比",
                        "计划总投资(亿元)",
                        "投资目标完成率",
                    ],
                    table_rows,
                    key="inv.by_unit",
                )
            )
            praised = [r for r in rows if r["rank"] == 1 or (r["target_projects_100m_pct"] or 0) >= 100]
            named = [
                r
                for r in rows
                if r["target_projects_100m_pct"] is not None and r["target_projects_100m_pct"] < time_progress
            ]
            self.section("通报表扬和通报批评")
            if praised:
                self.blocks.append(
                    paragraph(
                        "通报表扬：",
                        "、".join(r["unit"] for r in praised),
                        f"招商引资工作成效突出，{'、'.join(r['unit'] for r in praised[:1])}以{praised[0]['projects_100m']}个亿元以上项目排名第一。",
                    )
                )
            if named:
                self.blocks.append(
                    paragraph(
                        "通报批评：",
                        "、".join(r["unit"] for r in named),
                        f"亿元以上项目目标完成率低于时序进度（{time_progress:.1f}%），请加大工作力度，确保完成全年目标任务。",
                    )
                )
            elif len(rows) > 2:
                last = [r for r in rows if r["rank"] == rows[-1]["rank"]]
                self.blocks.append(
                    paragraph(
                        f"各单位亿元以上项目目标完成率均达到时序进度（{time_progress:.1f}%）；",
                        "、".join(r["unit"] for r in last),
                        f"亿元以上项目数排名末位（{last[0]['projects_100m']}个），请加快工作进度。",
                    )
                )

        from countyworks.investment.models import Project

        projects = Project.objects.filter(path_q(self.unit.path, "unit__path"))
        overdue = [ms for ms in overdue_milestones(projects, today=through)][:30]
        if overdue:
            self.section("项目推进逾期事项")
            key = self.ref(
                "inv.overdue",
                "逾期未完成的项目节点",
                len(overdue),
                "investment.project",
                {ms.project_id for ms in overdue},
            )
            self.blocks.append(
                paragraph(
                    "截至",
                    f"{through.month}月{through.day}日",
                    "，共有",
                    run(len(overdue), key),
                    "个项目节点超过计划日期尚未完成，请责任单位抓紧推进：",
                )
            )
            self.blocks.append(
                table(
                    f"表{self.table_no()} 逾期项目节点",
                    ["项目", "责任单位", "节点", "计划日期", "逾期天数"],
                    [
                        [
                            cell(ms.project.name),
                            cell(ms.project.unit.name),
                            cell(ms.get_kind_display()),
                            cell(ms.planned_date.isoformat()),
                            cell((through - ms.planned_date).days, (through - ms.planned_date).days),
                        ]
                        for ms in overdue
                    ],
                    key="inv.overdue",
                )
            )

    # --- rural: greening progress from the weekly dispatch -----------------------------------------
    def greening(self):
        """Greening progress to date from the weekly dispatch: the district sentence, meeting
        coverage, and a table per reporting unit — or, when more than GREENING_TABLE_MAX units
        report (a city or province bulletin), per child unit of the bulletin's unit."""
        from decimal import Decimal

        form = ReportForm.objects.filter(code="greening").first()
        if form is None:
            return
        units = OrgUnit.objects.filter(path_q(self.unit.path))
        codes = [f["code"] for f in form.fields]
        by_unit, ids_by_unit = totals_by_unit(form, through=self.through, units=units)
        zero = dict.fromkeys(codes, Decimal(0))
        totals = {c: sum((t[c] for t in by_unit.values()), Decimal(0)) for c in codes}
        ids = sorted(i for v in ids_by_unit.values() for i in v)  # sorted once: ref() re-sorts in linear time
        m = "dispatch.submission"
        refs = {code: self.ref(f"green.{code}", f"截至{self.period.start.year}年{self.through_label}{label}", float(totals[code]), m, ids)
                for code, label in form.field_labels().items()}
        self.section("乡村绿化工作进展")
        parts = [("training", "参加乡村绿化培训共", "人次"), ("sages_visited", "村“两委”干部走访乡贤共", "人"),
                 ("party_members", "参与“五带头”的农村党员", "人"), ("seedlings_secured", "目前已落实苗木数量", "株"),
                 ("trees_planted", "已植树", "株")]
        runs = [f"截至{self.through_label}，{_area(self.unit)}村（社区）"]
        present = [p for p in parts if p[0] in totals]
        for i, (code, before, after) in enumerate(present):
            sep = "" if i == 0 else ("；" if code == "seedlings_secured" else "，")
            runs += [sep + before, run(_num(totals[code]), refs[code]), after]
        runs.append("。")
        self.blocks.append(paragraph(*runs))
        assigned = [_Unit(*row) for row in form.units.filter(pk__in=units.values("pk")).order_by("path")
                    .values_list("pk", "name", "code", "path")]
        if assigned and "meetings" in totals:
            held = [u.pk for u in assigned if by_unit.get(u.pk, zero).get("meetings", 0) > 0]
            key = self.ref("green.meeting_coverage", "已召开座谈会的村（社区）", len(held), "core.orgunit", held)
            cover = "已全覆盖召开乡村座谈会" if len(held) == len(assigned) else \
                f"已召开乡村座谈会的村（社区）{len(held)}个，占{len(held) * 100 / len(assigned):.1f}%"
            self.blocks.append(paragraph(f"{_area(self.unit)}{len(assigned)}个村（社区）中，", run(cover, key), "。"))
        if not assigned:
            return
        if len(assigned) <= GREENING_TABLE_MAX:
            per_unit = [(u, by_unit.get(u.pk, zero), ids_by_unit.get(u.pk, [])) for u in assigned]
            head, what = "村（社区）", "各村（社区）"
        else:  # roll the reporting units up to the bulletin unit's children
            children = {c.pk: c for c in OrgUnit.objects.filter(parent=self.unit)}
            agg = {pk: (dict(zero), []) for pk in children}
            cut = len(self.unit.path)
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
            k = self.ref(f"green.unit.{u.pk}", f"{u.name}已植树", float(t.get("trees_planted", 0)), m, uids)
            rate = completion_pct(t.get("trees_planted", 0), t.get("seedlings_secured", 0))
            rows.append([cell(rank, rank), cell(u.name),
                         cell(_num(t.get("seedlings_secured", 0)), float(t.get("seedlings_secured", 0))),
                         cell(_num(t.get("trees_planted", 0)), float(t.get("trees_planted", 0)), k),
                         cell(f"{rate:.1f}%" if rate is not None else "—", rate),
                         cell(_num(t.get("training", 0)), float(t.get("training", 0)))])
        self.blocks.append(table(f"表{self.table_no()} {what}乡村绿化进度（截至{self.through_label}）",
                                 ["排名", head, "已落实苗木(株)", "已植树(株)", "植树率", "培训人次"], rows,
                                 key="green.by_unit"))
        if len(per_unit) >= 6:
            top = [u.name for u, _, _ in per_unit[:3]]
            bottom = [u.name for u, _, _ in per_unit[-3:]]
            self.blocks.append(paragraph(f"植树数量排名前三的{head}：", "、".join(top),
                                         f"，予以通报表扬；排名后三位的{head}：", "、".join(bottom),
                                         "，请加快推进苗木落实和植树进度。"))

    # --- dispatch reporting and tasks ------------------------------------------------------------
    def dispatch(self, programmes):
        forms = ReportForm.objects.filter(programme__in=programmes, active=True)
        tasks = Task.objects.filter(
            path_q(self.unit.path, "unit__path"),
            programme__in=programmes,
            status=Task.Status.OPEN,
            deadline__lt=self.through,
        )
        if not forms and not tasks:
            return
        self.section("周调度报送和重点任务推进情况")
        units = OrgUnit.objects.filter(path_q(self.unit.path))
        for f in forms:
            weeks = sorted(
                {w for w in form_weeks(f, until=self.through) if self.period.start <= w <= self.period.end}
            )
            if not weeks:
                continue
            r = reporting_rates(
                f, weeks, units=units, now=timezone.make_aware(datetime.combine(self.through, time.max))
            )
            if not r["expected"]:
                continue
            subs = Submission.objects.filter(form=f, week_start__in=weeks, unit__in=units).values_list(
                "pk", flat=True
            )
            k = self.ref(
                f"dispatch.{f.code}.rate",
                f"{self.period.label_zh}{f.name}报送率",
                r["reporting_rate"],
                "dispatch.submission",
                list(subs),
            )
            missing = [u["unit"] for u in r["units"] if u["missing"]]
            late = [u["unit"] for u in r["units"] if u["late"]]
            runs = [
                f"{self.period.label_zh}“{f.name}”应报{r['expected']}份，实报{r['submitted']}份，报送率",
                run(f"{r['reporting_rate']:.1f}%", k),
                f"，按时报送率{r['timeliness']:.1f}%",
            ]
            if late:
                runs.append(f"；逾期报送的单位：{_names(late)}")
            if missing:
                runs.append(f"；存在漏报的单位：{_names(missing)}")
            runs.append("。")
            self.blocks.append(paragraph(*runs))
        if tasks:
            key = self.ref(
                "dispatch.tasks_overdue",
                "逾期未完成的重点任务",
                tasks.count(),
                "dispatch.task",
                list(tasks.values_list("pk", flat=True)),
            )
            self.blocks.append(
                paragraph(
                    "重点任务中有", run(tasks.count(), key), "项已超过完成时限仍未完成，请包抓领导督促推进。"
                )
            )
            self.blocks.append(
                table(
                    f"表{self.table_no()} 逾期重点任务",
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

    def table_no(self):
        self._tables = getattr(self, "_tables", 0) + 1
        return self._tables

    def build(self):
        p = self.programme
        if p in ("investment", "all"):
            self.investment()
        if p in ("rural", "all"):
            self.greening()
        programmes = (
            [Programme.INVESTMENT]
            if p == "investment"
            else [Programme.RURAL, Programme.DISPATCH]
            if p == "rural"
            else list(Programme.values)
        )
        self.dispatch(programmes)
        title = f"{self.unit.name}{PROGRAMME_TITLES.get(p, '')}月通报"
        return {
            "title": title,
            "subtitle": f"（{self.period.label_zh}）",
            "doc_number": self.doc_number,
            "issuer": ISSUERS.get(p, self.unit.name) if self.unit.parent_id is None else self.unit.name,
            "date": self.issue_date.isoformat(),
            "period": self.period.label,
            "period_label": self.period.label_zh,
            "through": self.through.isoformat(),
            "unit": self.unit.name,
            "unit_id": self.unit.pk,
            "programme": p,
            "blocks": self.blocks,
            "figures": self.figures,
        }


def bulletin_build(*, programme, period, unit, issue_date=None, doc_number=""):
    """The bulletin content for `programme` ("investment", "rural" or "all") and month `period`
    (YYYY-MM): year to date through the month's last day (or today), for `unit`'s subtree."""
    if programme not in PROGRAMME_TITLES:
        raise ValueError(f"未知的业务“{programme}”，可选：investment、rural、all")
    return Builder(
        programme=programme, period=period, unit=unit, issue_date=issue_date, doc_number=doc_number
    ).build()
