"""Benchmark the monthly bulletin of the whole province against a hand-written SQL floor.

    python bench/bulletin.py --db sqlite
    python bench/bulletin.py --db postgres
    python bench/bulletin.py --db both                   # the default
    python bench/bulletin.py --db sqlite --profile       # + per-section times and a cProfile of one build
    python bench/bulletin.py --db sqlite --proposed      # + the set-based greening() proposal, checked and timed

"ours" is `bulletin_build(programme="all", period="2024-03", unit=<province root>)`: the investment
section (investment_stats of the province for Jan–Mar 2024, the ids behind each figure, per-city
ids, overdue milestones), the greening section (totals to date of the weekly "greening" form and a
per-village table: one `totals_to_date` call per village) and the dispatch section (reporting rates
of the four March weeks over every village).

The SQL floor computes the same tables with statements written directly with
`connection.cursor()` (the investment figures via bench/investment_stats.py's floor plus one
statement for the ids; one GROUP BY over the submissions' JSON figures for the greening totals and
per-unit sums plus one statement for the submission ids; one GROUP BY over assigned units × due weeks
for the reporting rates plus one for the ids). The bulletin's figures are checked against the floor
(totals, per-village sums, ids, reporting counts; exit status 2 on any difference). Then
`render_docx(content)` is timed on the bulletin just built.

Targets: bulletin_build ≤ 2 × floor; render_docx ≤ 1 s. Exit status 1 when one is missed.
Timing: one warm-up, then up to `--repeat` interleaved rounds while the rounds so far took less
than `--budget` seconds; best wall time reported.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

import province  # noqa: E402

PERIOD = "2024-03"
TARGET_RATIO = 2.0
TARGET_DOCX_S = 1.0
FIGURE_CODES = ["seedlings_secured", "trees_planted", "training", "sages_visited", "party_members", "meetings"]


def _figure_sql(vendor, code):
    # the JSON figure as a number; "" and missing count as nothing (like totals_to_date)
    if vendor == "sqlite":
        return f"json_extract(s.figures, '$.{code}')"
    return f"NULLIF(s.figures ->> '{code}', '')::numeric"


def floor(root, through, period_weeks):
    """The bulletin's tables straight from SQL. Returns plain numbers and id lists."""
    from django.db import connection
    from django.utils import timezone
    from investment_stats import prefix_range, sql_floor

    from countyworks.core.models import OrgUnit
    from countyworks.dispatch.models import ReportForm, Submission
    from countyworks.investment.models import UNIT_1B, UNIT_100M, Milestone, Project

    U, P, S = OrgUnit._meta.db_table, Project._meta.db_table, Submission._meta.db_table
    FU = ReportForm.units.through._meta.db_table
    M = Milestone._meta.db_table
    vendor = connection.vendor
    lo, hi = prefix_range(root.path)
    out = {}

    # --- investment: the figures, the ids behind them (per child too), overdue milestones ---------
    out["inv"] = sql_floor(root, through.year, through)
    depth = root.depth
    with connection.cursor() as cur:
        cur.execute(f"""
            SELECT p.id, p.planned_investment >= %s, u.path FROM {P} p JOIN {U} u ON u.id = p.unit_id
            WHERE p.signed_date >= %s AND p.signed_date <= %s AND p.planned_investment >= %s
              AND u.path >= %s AND u.path < %s""", [UNIT_1B, date(through.year, 1, 1), through, UNIT_100M, lo, hi])
        ids_100m, ids_1b, by_child = [], [], {}
        for pid, is_1b, path in cur.fetchall():
            ids_100m.append(pid)
            if is_1b:
                ids_1b.append(pid)
            parts = path.split("/")
            if len(parts) > depth + 3:  # credited below the root: parts[depth + 2] is the child's id
                by_child.setdefault(int(parts[depth + 2]), []).append(pid)
        out["inv_ids"] = {"100m": ids_100m, "1b": ids_1b, "by_child": by_child}
        cur.execute(f"""
            SELECT m.id FROM {M} m JOIN {P} p ON p.id = m.project_id JOIN {U} u ON u.id = p.unit_id
            WHERE m.planned_date < %s AND m.actual_date IS NULL AND u.path >= %s AND u.path < %s
            ORDER BY m.planned_date LIMIT 30""", [through, lo, hi])
        out["overdue"] = [r[0] for r in cur.fetchall()]

        # --- greening: totals and per-unit sums in one GROUP BY over the JSON figures ----------------
        form_id = ReportForm.objects.values_list("pk", flat=True).get(code="greening")
        sums = ", ".join(f"SUM({_figure_sql(vendor, c)})" for c in FIGURE_CODES)
        in_span = (f"s.form_id = %s AND s.week_start <= %s AND s.status IN ('submitted', 'approved') "
                   f"AND s.unit_id IN (SELECT id FROM {U} WHERE path >= %s AND path < %s)")
        cur.execute(f"SELECT s.unit_id, {sums} FROM {S} s WHERE {in_span} GROUP BY s.unit_id",
                    [form_id, through, lo, hi])
        per_unit = {r[0]: [float(v or 0) for v in r[1:]] for r in cur.fetchall()}
        totals = [sum(v[i] for v in per_unit.values()) for i in range(len(FIGURE_CODES))]
        cur.execute(f"SELECT s.id, s.unit_id FROM {S} s WHERE {in_span}", [form_id, through, lo, hi])
        sub_ids, sub_ids_by_unit = [], {}
        for sid, uid in cur.fetchall():
            sub_ids.append(sid)
            sub_ids_by_unit.setdefault(uid, []).append(sid)
        cur.execute(f"""SELECT u.id, u.name, u.code FROM {FU} fu JOIN {U} u ON u.id = fu.orgunit_id
                        WHERE fu.reportform_id = %s AND u.path >= %s AND u.path < %s ORDER BY u.path""",
                    [form_id, lo, hi])
        assigned = cur.fetchall()
        zero = [0.0] * len(FIGURE_CODES)
        out["green"] = {
            "totals": dict(zip(FIGURE_CODES, totals)),
            "ids": sub_ids,
            "units": {uid: {"name": name, **dict(zip(FIGURE_CODES, per_unit.get(uid, zero))),
                            "ids": sub_ids_by_unit.get(uid, [])} for uid, name, _ in assigned},
            "meetings_held": sum(1 for uid, _, _ in assigned if per_unit.get(uid, zero)[5] > 0),
        }

        # --- reporting rates: assigned units × due weeks, left-joined to the submissions ------------
        form = ReportForm.objects.get(pk=form_id)
        now = timezone.make_aware(datetime.combine(through, dtime.max))
        due_weeks = [(w, form.due_at(w)) for w in period_weeks if form.due_at(w) < now]
        adapt = connection.ops.adapt_datetimefield_value
        values = ", ".join(["(%s, %s)"] * len(due_weeks))
        params = [x for w, due in due_weeks for x in (w, adapt(due))]
        cur.execute(f"""
            SELECT u.id, u.name,
                   COUNT(*) AS expected,
                   COUNT(s.first_submitted_at) AS submitted,
                   COUNT(*) FILTER (WHERE s.first_submitted_at <= w.column2) AS on_time,
                   COUNT(*) FILTER (WHERE s.first_submitted_at > w.column2) AS late,
                   COUNT(*) FILTER (WHERE s.first_submitted_at IS NOT NULL AND s.status = 'returned') AS returned
            FROM {FU} fu JOIN {U} u ON u.id = fu.orgunit_id
            CROSS JOIN (VALUES {values}) AS w
            LEFT JOIN {S} s ON s.form_id = fu.reportform_id AND s.unit_id = u.id AND s.week_start = w.column1
            WHERE fu.reportform_id = %s AND u.path >= %s AND u.path < %s
            GROUP BY u.id, u.name, u.path ORDER BY u.path""", [*params, form_id, lo, hi])
        rates = cur.fetchall()
        cur.execute(f"SELECT s.id FROM {S} s WHERE s.form_id = %s AND s.week_start IN ({', '.join(['%s'] * len(due_weeks))})"
                    f" AND s.unit_id IN (SELECT id FROM {U} WHERE path >= %s AND path < %s)",
                    [form_id, *[w for w, _ in due_weeks], lo, hi])
        week_ids = [r[0] for r in cur.fetchall()]
    expected = sum(r[2] for r in rates)
    submitted = sum(r[3] for r in rates)
    on_time = sum(r[4] for r in rates)
    out["rates"] = {
        "expected": expected, "submitted": submitted, "on_time": on_time, "late": sum(r[5] for r in rates),
        "missing": expected - submitted,
        "reporting_rate": round(submitted * 100 / expected, 1) if expected else None,
        "timeliness": round(on_time * 100 / expected, 1) if expected else None,
        "missing_units": [r[1] for r in rates if r[2] - r[3]], "late_units": [r[1] for r in rates if r[5]],
        "ids": week_ids,
    }
    return out


def check(content, fl) -> list[str]:
    """The bulletin's figures against the floor's."""
    bad = []
    F = content["figures"]

    def eq(what, a, b):
        if a != b:
            bad.append(f"{what}: bulletin {a!r} ≠ floor {b!r}" if not isinstance(a, list) else
                       f"{what}: bulletin {len(a)} ids ≠ floor {len(b)} ids")

    inv = fl["inv"]
    eq("inv.projects_100m", F["inv.projects_100m"]["value"], inv["projects_100m"])
    eq("inv.investment_100m", F["inv.investment_100m"]["value"], inv["investment_100m_yi"])
    eq("inv.projects_1b", F["inv.projects_1b"]["value"], inv["projects_1b"])
    eq("inv.projects_100m ids", F["inv.projects_100m"]["ids"], sorted(fl["inv_ids"]["100m"]))
    eq("inv.projects_1b ids", F["inv.projects_1b"]["ids"], sorted(fl["inv_ids"]["1b"]))
    for r in inv["by_unit"]:
        f = F.get(f"inv.unit.{r['unit_id']}.projects_100m")
        if f is None:
            bad.append(f"inv.unit.{r['unit_id']} missing from the bulletin")
            continue
        eq(f"inv.unit.{r['unit_id']}", f["value"], r["projects_100m"])
        eq(f"inv.unit.{r['unit_id']} ids", f["ids"], sorted(fl["inv_ids"]["by_child"].get(r["unit_id"], [])))
    n_units = sum(1 for k in F if k.startswith("inv.unit."))
    eq("inv.unit rows", n_units, len(inv["by_unit"]))

    g = fl["green"]
    for code, v in g["totals"].items():
        eq(f"green.{code}", F[f"green.{code}"]["value"], v)
    eq("green ids", F["green.trees_planted"]["ids"], sorted(g["ids"]))
    for uid, u in g["units"].items():
        f = F.get(f"green.unit.{uid}")
        if f is None:
            bad.append(f"green.unit.{uid} missing")
            continue
        eq(f"green.unit.{uid}", f["value"], u["trees_planted"])
        eq(f"green.unit.{uid} ids", f["ids"], sorted(u["ids"]))
        if len(bad) > 20:
            break
    table = next(b for b in content["blocks"] if b.get("key") == "green.by_unit")
    got = sorted((r[1]["text"], r[2]["num"], r[3]["num"], r[5]["num"]) for r in table["rows"])
    want = sorted((u["name"], u["seedlings_secured"], u["trees_planted"], u["training"]) for u in g["units"].values())
    if got != want:
        bad.append(f"green.by_unit table differs ({len(got)} rows vs {len(want)})")
    if "green.meeting_coverage" in F:
        eq("green.meeting_coverage", F["green.meeting_coverage"]["value"], g["meetings_held"])

    r = fl["rates"]
    key = next((k for k in F if k.startswith("dispatch.") and k.endswith(".rate")), None)
    if key is None:
        bad.append("no reporting-rate figure in the bulletin")
    else:
        eq("reporting rate", F[key]["value"], r["reporting_rate"])
        eq("reporting ids", F[key]["ids"], sorted(r["ids"]))
        text = next("".join(x["text"] for x in b["runs"]) for b in content["blocks"]
                    if b.get("type") == "paragraph" and any(x.get("ref") == key for x in b["runs"]))
        m = re.search(r"应报(\d+)份，实报(\d+)份.*?按时报送率([\d.]+)%", text)
        eq("expected", int(m[1]), r["expected"])
        eq("submitted", int(m[2]), r["submitted"])
        eq("timeliness", float(m[3]), r["timeliness"])
        late = re.search(r"逾期报送的单位：([^；。]*)", text)
        eq("late units", late[1].split("、") if late else [], r["late_units"])
        missing = re.search(r"存在漏报的单位：([^；。]*)", text)
        eq("missing units", missing[1].split("、") if missing else [], r["missing_units"])
    return bad


# --- the proposal: greening() with one grouped query instead of one query per village ------------


def greening_unit_totals(form, *, through, units, statuses=None):
    """Set-based totals_to_date for many units at once: ({unit_id: {code: total}}, {unit_id: [ids]}),
    one GROUP BY over the JSON figures (SQLite json_extract / PostgreSQL ->> via KT) plus one
    (unit_id, id) list for the provenance ids. `units`: a queryset of OrgUnits."""
    from decimal import Decimal

    from django.db.models import DecimalField, Sum, Value
    from django.db.models.fields.json import KT
    from django.db.models.functions import Cast, NullIf

    from countyworks.dispatch.models import Submission

    S = Submission.Status
    statuses = statuses or (S.SUBMITTED, S.APPROVED)
    codes = [f["code"] for f in form.fields]
    qs = Submission.objects.filter(form=form, week_start__lte=through, status__in=statuses, unit__in=units)
    num = DecimalField(max_digits=20, decimal_places=4)
    per_unit = {row.pop("unit_id"): {c: Decimal(row[c] or 0) for c in codes}
                for row in qs.order_by().values("unit_id").annotate(
                    **{c: Sum(Cast(NullIf(KT(f"figures__{c}"), Value("")), num)) for c in codes})}
    ids = {}
    for uid, sid in qs.order_by().values_list("unit_id", "id"):
        ids.setdefault(uid, []).append(sid)
    return per_unit, ids


def greening_set_based(self):
    """Builder.greening with the per-village loop replaced by greening_unit_totals(); the rest
    is the original method's code, unchanged."""
    from decimal import Decimal

    from countyworks.core.models import OrgUnit
    from countyworks.core.periods import completion_pct
    from countyworks.dispatch.bulletins import _area, _num
    from countyworks.dispatch.content import cell, paragraph, run, table
    from countyworks.dispatch.models import ReportForm

    form = ReportForm.objects.filter(code="greening").first()
    if form is None:
        return
    units = OrgUnit.objects.filter(path__startswith=self.unit.path)
    by_unit, ids_by_unit = greening_unit_totals(form, through=self.through, units=units)
    totals = {f["code"]: sum((t[f["code"]] for t in by_unit.values()), Decimal(0)) for f in form.fields}
    ids = [i for v in ids_by_unit.values() for i in v]
    m = "dispatch.submission"
    refs = {code: self.ref(f"green.{code}", f"截至{self.period.label_zh}底{label}", float(totals[code]), m, ids)
            for code, label in form.field_labels().items()}
    self.section("乡村绿化工作进展")
    month = self.period.start.month
    parts = [("training", "参加乡村绿化培训共", "人次"), ("sages_visited", "村“两委”干部走访乡贤共", "人"),
             ("party_members", "参与“五带头”的农村党员", "人"), ("seedlings_secured", "目前已落实苗木数量", "株"),
             ("trees_planted", "已植树", "株")]
    runs = [f"截至{month}月底，{_area(self.unit)}村（社区）"]
    present = [p for p in parts if p[0] in totals]
    for i, (code, before, after) in enumerate(present):
        sep = "" if i == 0 else ("；" if code == "seedlings_secured" else "，")
        runs += [sep + before, run(_num(totals[code]), refs[code]), after]
    runs.append("。")
    self.blocks.append(paragraph(*runs))
    assigned = list(form.units.filter(pk__in=units.values("pk")).order_by("path"))
    zero = {f["code"]: Decimal(0) for f in form.fields}
    per_unit = [(u, by_unit.get(u.pk, zero), ids_by_unit.get(u.pk, [])) for u in assigned]
    held = [u for u, t, _ in per_unit if t.get("meetings", 0) > 0]
    if assigned and "meetings" in totals:
        key = self.ref("green.meeting_coverage", "已召开座谈会的村（社区）", len(held), "core.orgunit",
                       [u.pk for u in held])
        cover = "已全覆盖召开乡村座谈会" if len(held) == len(assigned) else \
            f"已召开乡村座谈会的村（社区）{len(held)}个，占{len(held) * 100 / len(assigned):.1f}%"
        self.blocks.append(paragraph(f"全区{len(assigned)}个村（社区）中，", run(cover, key), "。"))
    if assigned:
        per_unit.sort(key=lambda x: (-x[1].get("trees_planted", 0), x[0].code))
        rows, rank, prev = [], 0, None
        for i, (u, t, uids) in enumerate(per_unit, 1):
            rank = rank if t.get("trees_planted") == prev else i
            prev = t.get("trees_planted")
            k = self.ref(f"green.unit.{u.pk}", f"{u.name}已植树", float(t.get("trees_planted", 0)), m, uids)
            rate = completion_pct(t.get("trees_planted", 0), t.get("seedlings_secured", 0))
            rows.append([cell(rank, rank), cell(u.name), cell(_num(t.get("seedlings_secured", 0)), float(t.get("seedlings_secured", 0))),
                         cell(_num(t.get("trees_planted", 0)), float(t.get("trees_planted", 0)), k),
                         cell(f"{rate:.1f}%" if rate is not None else "—", rate),
                         cell(_num(t.get("training", 0)), float(t.get("training", 0)))])
        self.blocks.append(table(f"表{self.table_no()} 各村（社区）乡村绿化进度（截至{month}月底）",
                                 ["排名", "村（社区）", "已落实苗木(株)", "已植树(株)", "植树率", "培训人次"], rows,
                                 key="green.by_unit"))
        if len(per_unit) >= 6:
            top = [u.name for u, _, _ in per_unit[:3]]
            bottom = [u.name for u, _, _ in per_unit[-3:]]
            self.blocks.append(paragraph("植树数量排名前三的村（社区）：", "、".join(top),
                                         "，予以通报表扬；排名后三位的村（社区）：", "、".join(bottom),
                                         "，请加快推进苗木落实和植树进度。"))


# --- the child: one database --------------------------------------------------------------------------


def timed_once(fn):
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0, time.process_time() - c0


def child(db, a) -> dict:
    province.setup_django(db)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from countyworks.core.models import OrgUnit, Programme
    from countyworks.core.periods import Period
    from countyworks.dispatch.bulletins import Builder, bulletin_build
    from countyworks.dispatch.documents import render_docx
    from countyworks.dispatch.models import ReportForm
    from countyworks.dispatch.selectors import form_weeks

    meta = province.read_meta()
    root = OrgUnit.objects.get(parent__isnull=True)
    period = Period.parse(PERIOD)
    through = min(period.end, date.today())
    form = ReportForm.objects.get(code="greening")
    weeks = sorted({w for w in form_weeks(form, until=through) if period.start <= w <= period.end})
    version = connection.Database.sqlite_version if db == "sqlite" else connection.pg_version
    print(f"\n[{db}] {connection.vendor} {version} · load average {province.load_average()}")
    print(f"[{db}] data: {province.describe(meta)}")
    print(f"[{db}] bulletin_build(programme='all', period='{PERIOD}', unit={root.name}); through {through}; "
          f"March weeks {[w.isoformat() for w in weeks]}")

    build = lambda: bulletin_build(programme="all", period=PERIOD, unit=root)  # noqa: E731
    sql = lambda: floor(root, through, weeks)  # noqa: E731
    r = province.race({"ours": build, "floor": sql}, repeat=a.repeat, budget_s=a.budget)
    content, fl = r["ours"]["result"], r["floor"]["result"]
    problems = check(content, fl)
    if problems:
        print(f"[{db}] MISMATCH bulletin vs floor:\n  " + "\n  ".join(problems[:30]), file=sys.stderr)
        sys.exit(2)
    n_rows = sum(len(b["rows"]) for b in content["blocks"] if b.get("type") == "table")
    size_mb = len(json.dumps(content, ensure_ascii=False).encode()) / 2**20
    print(f"[{db}] numbers agree: greening totals {fl['green']['totals']}, {len(fl['green']['units']):,} villages, "
          f"reporting rate {fl['rates']['reporting_rate']}% of {fl['rates']['expected']:,} expected, "
          f"{fl['inv']['projects_100m']} ≥1亿 projects Jan–Mar")
    print(f"[{db}] content: {len(content['blocks'])} blocks, {n_rows:,} table rows, {len(content['figures']):,} figures, "
          f"JSON {size_mb:.1f} MB")
    with CaptureQueriesContext(connection) as q:
        build()
    n_queries = len(q.captured_queries)
    del q

    # render_docx: timed on the content just built (cold first run; repeated only when fast)
    docx, t_docx, c_docx = timed_once(lambda: render_docx(content))
    docx_runs = [t_docx]
    if t_docx < 5:
        for _ in range(4):
            docx_runs.append(timed_once(lambda: render_docx(content))[1])
    print(f"[{db}] render_docx: {len(docx) / 2**20:.1f} MB .docx; runs {[round(x, 2) for x in docx_runs]} s")

    out = {"db": db, "ours_s": r["ours"]["best"], "floor_s": r["floor"]["best"], "ours_cpu_s": r["ours"]["cpu"],
           "floor_cpu_s": r["floor"]["cpu"], "ratio": r["ours"]["best"] / r["floor"]["best"],
           "runs_ours": [round(x, 2) for x in r["ours"]["runs"]], "runs_floor": [round(x, 3) for x in r["floor"]["runs"]],
           "queries": n_queries, "docx_s": min(docx_runs), "docx_runs": len(docx_runs), "table_rows": n_rows,
           "content_mb": round(size_mb, 1)}

    if a.profile:
        programmes = list(Programme.values)
        b = Builder(programme="all", period=PERIOD, unit=root)
        secs = {}
        for name, fn in [("investment", b.investment), ("greening", b.greening), ("dispatch", lambda: b.dispatch(programmes))]:
            with CaptureQueriesContext(connection) as q:
                _, t, c = timed_once(fn)
            secs[name] = (t, c, len(q.captured_queries))
        print(f"[{db}] sections of Builder.build(): " + "; ".join(
            f"{k} {t:.2f} s wall / {c:.2f} s cpu / {n:,} queries" for k, (t, c, n) in secs.items()))
        out["sections"] = {k: [round(t, 3), round(c, 3), n] for k, (t, c, n) in secs.items()}
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.runcall(build)
        path = province.SQLITE_DIR / f"bulletin_{db}.prof"
        prof.dump_stats(str(path))
        st = pstats.Stats(str(path))
        print(f"[{db}] cProfile of one bulletin_build (saved to {path}); top by cumulative time:")
        st.sort_stats("cumulative").print_stats(r"countyworks|django/db/models/query\.py|sqlite3|psycopg", a.top)
        print(f"[{db}] top by own time:")
        st.sort_stats("tottime").print_stats(a.top)

    if a.proposed:
        original = Builder.greening
        Builder.greening = greening_set_based
        try:
            rp = province.race({"proposed": build, "floor": sql}, repeat=a.repeat, budget_s=a.budget)
        finally:
            Builder.greening = original
        same = rp["proposed"]["result"] == content
        problems = check(rp["proposed"]["result"], fl)
        if problems or not same:
            print(f"[{db}] proposal differs from the original bulletin (identical content: {same}):\n  "
                  + "\n  ".join(problems[:20]), file=sys.stderr)
            sys.exit(2)
        b = Builder(programme="all", period=PERIOD, unit=root)
        b.greening = greening_set_based.__get__(b)
        _, tg, cg = timed_once(b.greening)
        print(f"[{db}] proposal: bulletin content identical to the original; set-based greening() alone {tg:.2f} s")
        out.update(proposed_s=rp["proposed"]["best"], proposed_floor_s=rp["floor"]["best"],
                   proposed_ratio=rp["proposed"]["best"] / rp["floor"]["best"], proposed_greening_s=tg,
                   runs_proposed=[round(x, 2) for x in rp["proposed"]["runs"]])
    print(f"[{db}] load average after: {province.load_average()}")
    return out


def print_table(rows, a):
    print(f"\nbulletin_build(programme='all', period='{PERIOD}', unit=province root) vs hand-written SQL — best of "
          f"≤{a.repeat} after 1 warm-up (rounds stop after {a.budget:.0f} s)")
    print(f"machine: {province.machine_facts()}")
    head = (f"{'db':9}{'ours s':>9}{'SQL floor s':>13}{'ratio':>8}  {'target':10}{'queries':>9}{'runs':>6}"
            f"  {'render_docx s':>14}  {'target':9}cpu ours/floor s")
    print(head)
    print("-" * len(head))
    ok = True
    for r in rows:
        hit, dhit = r["ratio"] <= TARGET_RATIO, r["docx_s"] <= TARGET_DOCX_S
        ok &= hit and dhit
        cpu = f"{r['ours_cpu_s']:.2f}/{r['floor_cpu_s']:.2f}" if r["db"] == "sqlite" else "(server-side)"
        print(f"{r['db']:9}{r['ours_s']:9.2f}{r['floor_s']:13.3f}{r['ratio']:8.1f}  {'≤2× ' + ('ok' if hit else 'MISS'):10}"
              f"{r['queries']:9,}{len(r['runs_ours']):6}  {r['docx_s']:14.2f}  {'≤1s ' + ('ok' if dhit else 'MISS'):9}{cpu}")
        if "proposed_s" in r:
            ph = r["proposed_ratio"] <= TARGET_RATIO
            print(f"{'  +prop.':9}{r['proposed_s']:9.2f}{r['proposed_floor_s']:13.3f}{r['proposed_ratio']:8.1f}  "
                  f"{'≤2× ' + ('ok' if ph else 'MISS'):10}   (bench's set-based greening(), not application code)")
    for r in rows:
        print(f"  {r['db']}: ours runs {r['runs_ours']} s; floor runs {r['runs_floor']} s; docx {r['table_rows']:,} table rows, "
              f"content {r['content_mb']} MB" + (f"; sections {r['sections']} [wall s, cpu s, queries]" if "sections" in r else ""))
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--budget", type=float, default=180.0, help="stop adding timed rounds after this many seconds")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--proposed", action="store_true")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--regenerate", action="store_true")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        out = child(a.db, a)
        print("RESULT " + json.dumps(out, ensure_ascii=False))
        return
    rows = []
    for db in (["sqlite", "postgres"] if a.db == "both" else [a.db]):
        province.ensure(db, regenerate=a.regenerate)
        args = [sys.executable, __file__, "--child", "--db", db, "--repeat", str(a.repeat), "--budget", str(a.budget),
                "--top", str(a.top), *(["--profile"] if a.profile else []), *(["--proposed"] if a.proposed else [])]
        proc = subprocess.Popen(args, cwd=ROOT, env=province.database_env(db), stdout=subprocess.PIPE, text=True)
        for line in proc.stdout:
            if line.startswith("RESULT "):
                rows.append(json.loads(line[7:]))
            else:
                print(line, end="", flush=True)
        if proc.wait():
            sys.exit(proc.returncode)
    ok = print_table(rows, a)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
