"""Benchmark the monthly bulletin of the whole province against a hand-written SQL floor.

    python bench/bulletin.py --db sqlite
    python bench/bulletin.py --db postgres
    python bench/bulletin.py --db both                   # the default
    python bench/bulletin.py --db sqlite --profile       # + per-section times and a cProfile of one build

"ours" is `bulletin_build(programme="all", period="2024-03", unit=<province root>)`: the investment
section (investment_stats of the province for Jan–Mar 2024, the ids behind each figure, per-city
ids, overdue milestones), the greening section (totals to date of the weekly "greening" form via
`totals_by_unit`, meeting coverage, and a table rolled up to the root's child units — the ~21
cities — since far more than GREENING_TABLE_MAX villages report) and the dispatch section
(reporting rates of the four March weeks over every village).

The SQL floor computes the same tables with statements written directly with
`connection.cursor()` (the investment figures via bench/investment_stats.py's floor plus one
statement for the ids; a two-level GROUP BY over the submissions' JSON figures — per unit, then per
table row (child of the root) — for the greening totals, row sums and meeting coverage, plus one
statement for the submission ids per row; one GROUP BY over assigned units × due weeks for the
reporting rates plus one for the ids). The bulletin's figures are checked against the floor
(totals, per-row sums, ranks and order, ids, reporting counts, the capped late/missing unit lists;
exit status 2 on any difference). Then
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
NAMES_SHOWN = 12  # a sentence names the first 12 late/missing units, then "等N个单位"
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
    from countyworks.rural.bulletin import VILLAGE_TABLE_MAX as GREENING_TABLE_MAX

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

        # --- greening: totals and per-row sums in one two-level GROUP BY over the JSON figures -------
        # (inner: per reporting unit; outer: per table row, i.e. per child unit of the root when more
        # than GREENING_TABLE_MAX assigned units report, else per unit), plus one statement for the ids
        form_id = ReportForm.objects.values_list("pk", flat=True).get(code="greening")
        cur.execute(f"SELECT COUNT(*) FROM {FU} fu JOIN {U} u ON u.id = fu.orgunit_id "
                    f"WHERE fu.reportform_id = %s AND u.path >= %s AND u.path < %s", [form_id, lo, hi])
        n_assigned = cur.fetchone()[0]
        rolled = n_assigned > GREENING_TABLE_MAX
        listed = []  # a small bulletin lists every assigned unit, reporting or not
        if not rolled:
            cur.execute(f"SELECT u.id FROM {FU} fu JOIN {U} u ON u.id = fu.orgunit_id "
                        f"WHERE fu.reportform_id = %s AND u.path >= %s AND u.path < %s", [form_id, lo, hi])
            listed = [r[0] for r in cur.fetchall()]
        n = len(root.path)
        if not rolled:
            row_key = "u.id"
        elif vendor == "sqlite":  # the id between the root's path and the next "/"; NULL for the root itself
            row_key = (f"CASE WHEN length(u.path) > {n} THEN CAST(substr(u.path, {n + 1}, "
                       f"instr(substr(u.path, {n + 1}), '/') - 1) AS INTEGER) END")
        else:
            row_key = f"NULLIF(split_part(substr(u.path, {n + 1}), '/', 1), '')::integer"
        in_span = (f"s.form_id = %s AND s.week_start <= %s AND s.status IN ('submitted', 'approved') "
                   f"AND s.unit_id IN (SELECT id FROM {U} WHERE path >= %s AND path < %s)")
        inner = ", ".join(f"SUM({_figure_sql(vendor, c)}) AS f{i}" for i, c in enumerate(FIGURE_CODES))
        outer = ", ".join(f"SUM(pu.f{i})" for i in range(len(FIGURE_CODES)))
        held_at = FIGURE_CODES.index("meetings")
        # rows of units the form is not assigned to count in the totals only (as in the bulletin)
        cur.execute(f"""
            WITH pu AS (SELECT s.unit_id, {inner} FROM {S} s WHERE {in_span} GROUP BY s.unit_id)
            SELECT {row_key} AS k, fu.orgunit_id IS NOT NULL AS assigned, {outer},
                   COUNT(*) FILTER (WHERE pu.f{held_at} > 0)
            FROM pu JOIN {U} u ON u.id = pu.unit_id
            LEFT JOIN {FU} fu ON fu.orgunit_id = u.id AND fu.reportform_id = %s
            GROUP BY 1, 2""", [form_id, through, lo, hi, form_id])
        groups = cur.fetchall()
        totals = [sum(float(g[2 + i] or 0) for g in groups) for i in range(len(FIGURE_CODES))]
        per_row = {g[0]: [float(v or 0) for v in g[2:-1]] for g in groups if g[1] and g[0] is not None}
        meetings_held = sum(g[-1] for g in groups if g[1])
        cur.execute(f"""
            SELECT s.id, {row_key}, fu.orgunit_id IS NOT NULL FROM {S} s JOIN {U} u ON u.id = s.unit_id
            LEFT JOIN {FU} fu ON fu.orgunit_id = u.id AND fu.reportform_id = s.form_id
            WHERE {in_span}""", [form_id, through, lo, hi])
        sub_ids, ids_by_row = [], {}
        for sid, k, assigned in cur.fetchall():
            sub_ids.append(sid)
            if assigned and k is not None:
                ids_by_row.setdefault(k, []).append(sid)
        zero = [0.0] * len(FIGURE_CODES)
        keys = set(per_row) | set(ids_by_row) | set(listed)
        cur.execute(f"SELECT id, name, code FROM {U} WHERE id IN ({', '.join(['%s'] * len(keys)) or 'NULL'})",
                    list(keys))
        rows = {uid: {"name": name, "code": code, **dict(zip(FIGURE_CODES, per_row.get(uid, zero), strict=True)),
                      "ids": ids_by_row.get(uid, [])} for uid, name, code in cur.fetchall()}
        # the bulletin's order: trees planted descending, then code; equal trees share a rank
        order = sorted(rows, key=lambda k: (-rows[k]["trees_planted"], rows[k]["code"]))
        rank, prev = 0, None
        for i, k in enumerate(order, 1):
            rank = rank if rows[k]["trees_planted"] == prev else i
            prev = rows[k]["trees_planted"]
            rows[k]["rank"] = rank
        out["green"] = {
            "totals": dict(zip(FIGURE_CODES, totals, strict=True)),
            "ids": sub_ids,
            "rolled_up": rolled,
            "assigned": n_assigned,
            "rows": {k: rows[k] for k in order},
            "meetings_held": meetings_held,
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


def _names_in(text):
    """The unit names of a sentence and how many units it speaks of: "甲、乙" → (["甲", "乙"], 2);
    "甲、…、子等140个单位" (a list capped at NAMES_SHOWN names) → (["甲", …, "子"], 140)."""
    m = re.fullmatch(r"(.*)等(\d+)个单位", text)
    names = (m[1] if m else text).split("、")
    return names, int(m[2]) if m else len(names)


PRINTED_GREENING = ("training", "sages_visited", "party_members", "seedlings_secured", "trees_planted")


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
    # the figures the greening paragraph prints (rural/bulletin.py greening_section: the form's
    # training, sages, party members, seedlings and trees; meetings are counted in the coverage sentence)
    for code, v in g["totals"].items():
        if code in PRINTED_GREENING:
            eq(f"green.{code}", F[f"green.{code}"]["value"], v)
    eq("green ids", F["green.trees_planted"]["ids"], sorted(g["ids"]))
    for uid, u in g["rows"].items():
        f = F.get(f"green.unit.{uid}")
        if f is None:
            bad.append(f"green.unit.{uid} ({u['name']}) missing")
            continue
        eq(f"green.unit.{uid}", f["value"], u["trees_planted"])
        eq(f"green.unit.{uid} ids", f["ids"], sorted(u["ids"]))
        if len(bad) > 20:
            break
    eq("green.unit figures", sum(1 for k in F if re.fullmatch(r"green\.unit\.\d+", k)), len(g["rows"]))
    table = next((b for b in content["blocks"] if b.get("key") == "green.by_unit"), None)
    want = [(u["rank"], u["name"], u["seedlings_secured"], u["trees_planted"], u["training"]) for u in g["rows"].values()]
    got = [] if table is None else [(x[0]["num"], x[1]["text"], x[2]["num"], x[3]["num"], x[5]["num"]) for x in table["rows"]]
    if got != want:  # same rows in the same order (rank, name, seedlings, trees, training)
        bad.append(f"green.by_unit table differs ({len(got)} rows vs {len(want)}): "
                   + "; ".join(f"{x} ≠ {y}" for x, y in zip(got, want, strict=False) if x != y)[:400])
    if table is not None:
        eq("green.by_unit header", table["columns"][1], "单位" if g["rolled_up"] else "村（社区）")
    if "green.meeting_coverage" in F:
        eq("green.meeting_coverage", F["green.meeting_coverage"]["value"], g["meetings_held"])
        text = next("".join(x["text"] for x in b["runs"]) for b in content["blocks"] if b.get("type") == "paragraph"
                    and any(x.get("ref") == "green.meeting_coverage" for x in b["runs"]))
        m = re.search(r"(\d+)个(?:填报)?村（社区）中", text)
        eq("assigned units", int(m[1]) if m else None, g["assigned"])

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
        for what, label in (("late_units", "逾期报送的单位"), ("missing_units", "存在漏报的单位")):
            m = re.search(label + r"：([^；。]*)", text)
            eq(what, _names_in(m[1]) if m else ([], 0), (r[what][:NAMES_SHOWN], len(r[what])))
    return bad


# --- the child: one database --------------------------------------------------------------------------


class count_queries:  # noqa: N801
    """Counts the statements this connection executes (an execute wrapper: no SQL kept, no
    9,000-query cap like CaptureQueriesContext)."""

    def __init__(self, connection):
        self.connection, self.n = connection, 0

    def _wrap(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._cm = self.connection.execute_wrapper(self._wrap)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def timed_once(fn):
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0, time.process_time() - c0


def child(db, a) -> dict:
    province.setup_django(db)
    from django.db import connection

    from countyworks.core.models import OrgUnit, Programme
    from countyworks.core.periods import Period
    from countyworks.dispatch.models import ReportForm
    from countyworks.dispatch.selectors import form_weeks
    from countyworks.reporting.bulletins import Builder, bulletin_build
    from countyworks.reporting.documents import render_docx

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
    probe = province.server_cpu_probe()
    # the first (cold) build also counts the queries; when it is slower than --slow it is the only
    # timed run of ours (repeating a multi-minute build adds nothing but time)
    s0 = probe() if probe else 0.0
    with count_queries(connection) as q:
        content, t_first, c_first = timed_once(build)
    srv_first = (probe() - s0) if probe else None
    n_queries = q.n
    if t_first > a.slow:
        print(f"[{db}] ours took {t_first:.1f} s (cold, first run): timed once, not repeated")
        r = province.race({"floor": sql}, repeat=a.repeat, budget_s=a.budget, probe=probe)
        r["ours"] = {"best": t_first, "cpu": c_first, "srv": srv_first, "runs": [t_first], "result": content}
    else:
        r = province.race({"ours": build, "floor": sql}, repeat=a.repeat, budget_s=a.budget, probe=probe, warmup=0)
    content, fl = r["ours"]["result"], r["floor"]["result"]
    problems = check(content, fl)
    if problems:
        print(f"[{db}] MISMATCH bulletin vs floor:\n  " + "\n  ".join(problems[:30]), file=sys.stderr)
        sys.exit(2)
    n_rows = sum(len(b["rows"]) for b in content["blocks"] if b.get("type") == "table")
    size_mb = len(json.dumps(content, ensure_ascii=False).encode()) / 2**20
    print(f"[{db}] numbers agree: greening totals {fl['green']['totals']}, {fl['green']['assigned']:,} assigned units in "
          f"{len(fl['green']['rows'])} table rows ({'rolled up to child units' if fl['green']['rolled_up'] else 'per unit'}), "
          f"reporting rate {fl['rates']['reporting_rate']}% of {fl['rates']['expected']:,} expected, "
          f"{fl['inv']['projects_100m']} ≥1亿 projects Jan–Mar")
    print(f"[{db}] content: {len(content['blocks'])} blocks, {n_rows:,} table rows, {len(content['figures']):,} figures, "
          f"JSON {size_mb:.1f} MB")

    # render_docx on the content just built — when its tables are too long to render in reasonable
    # time, on copies with each table cut to 250/500/1000 rows, extrapolated (quadratic fit) to the full size
    docx_note = ""
    if n_rows <= a.docx_max_rows:
        docx, t_docx, _ = timed_once(lambda: render_docx(content))
        docx_runs = [t_docx]
        if t_docx < 5:
            docx_runs += [timed_once(lambda: render_docx(content))[1] for _ in range(4)]
        docx_s = min(docx_runs)
        print(f"[{db}] render_docx: {len(docx) / 2**20:.2f} MB .docx; runs {[round(x, 2) for x in docx_runs]} s")
    else:
        pts = []
        for cut in (250, 500, 1000):
            c = dict(content, blocks=[dict(b, rows=b["rows"][:cut]) if b.get("type") == "table" else b
                                      for b in content["blocks"]])
            rows_c = sum(len(b["rows"]) for b in c["blocks"] if b.get("type") == "table")
            _, t, cpu = timed_once(lambda c=c: render_docx(c))
            pts.append((rows_c, t, cpu))
            print(f"[{db}] render_docx with tables cut to {cut} rows ({rows_c:,} table rows): {t:.2f} s wall, {cpu:.2f} s cpu")
        # the quadratic through the three (rows, cpu) points (Lagrange form), evaluated at n_rows
        est = sum(yi * ((n_rows - xj) * (n_rows - xk)) / ((xi - xj) * (xi - xk))
                  for (xi, _, yi), (xj, _, _), (xk, _, _) in [(pts[0], pts[1], pts[2]), (pts[1], pts[0], pts[2]),
                                                              (pts[2], pts[0], pts[1])])
        docx_s = pts[-1][1]
        docx_note = (f"full content ({n_rows:,} table rows) not rendered; quadratic fit of the cpu times "
                     f"extrapolates to ≈{est:,.0f} s cpu; the column shows the {pts[-1][0]:,}-row cut")
        print(f"[{db}] render_docx: {docx_note}")
        docx_runs = [docx_s]

    out = {"db": db, "ours_s": r["ours"]["best"], "floor_s": r["floor"]["best"], "ours_cpu_s": r["ours"]["cpu"],
           "floor_cpu_s": r["floor"]["cpu"], "ours_srv_s": r["ours"]["srv"], "floor_srv_s": r["floor"]["srv"],
           "ratio": r["ours"]["best"] / r["floor"]["best"],
           "runs_ours": [round(x, 2) for x in r["ours"]["runs"]], "runs_floor": [round(x, 3) for x in r["floor"]["runs"]],
           "queries": n_queries, "docx_s": docx_s, "docx_runs": len(docx_runs), "docx_note": docx_note,
           "table_rows": n_rows, "content_mb": round(size_mb, 1)}

    if a.profile:
        import cProfile
        import pstats

        programmes = list(Programme.values)
        b = Builder(programme="all", period=PERIOD, unit=root)
        secs = {}
        prof = cProfile.Profile()
        for name, fn in [("investment", b.investment), ("greening", b.greening), ("dispatch", lambda: b.dispatch(programmes))]:
            with count_queries(connection) as q:
                _, t, c = timed_once(lambda fn=fn: prof.runcall(fn))
            secs[name] = (t, c, q.n)
        print(f"[{db}] sections of Builder.build() (under cProfile, so inflated): " + "; ".join(
            f"{k} {t:.2f} s wall / {c:.2f} s cpu / {n:,} queries" for k, (t, c, n) in secs.items()))
        out["sections"] = {k: [round(t, 2), round(c, 2), n] for k, (t, c, n) in secs.items()}
        path = province.SQLITE_DIR / f"bulletin_{db}.prof"
        prof.dump_stats(str(path))
        st = pstats.Stats(str(path))
        print(f"[{db}] cProfile of the three sections (saved to {path}); top by cumulative time:")
        st.sort_stats("cumulative").print_stats(r"countyworks|django/db/models/query\.py|base\.py.*(__init__|from_db)", a.top)
        print(f"[{db}] top by own time:")
        st.sort_stats("tottime").print_stats(a.top)

    print(f"[{db}] load average after: {province.load_average()}")
    return out


def print_table(rows, a):
    print(f"\nbulletin_build(programme='all', period='{PERIOD}', unit=province root) vs hand-written SQL — best of "
          f"≤{a.repeat} after 1 warm-up (rounds stop after {a.budget:.0f} s; a build slower than {a.slow:.0f} s is timed once, cold)")
    print("cpu = this process (on SQLite that includes the database) + the PostgreSQL backend's CPU (10 ms ticks)")
    print(f"machine: {province.machine_facts()}")
    head = (f"{'db':9}{'ours s':>9}{'SQL floor s':>13}{'ratio':>8}  {'target':10}{'queries':>9}{'runs':>6}"
            f"  {'render_docx s':>14}  {'target':9}cpu ours/floor s")
    print(head)
    print("-" * len(head))
    ok = True
    for r in rows:
        hit, dhit = r["ratio"] <= TARGET_RATIO, r["docx_s"] <= TARGET_DOCX_S
        ok &= hit and dhit
        cpu = f"{r['ours_cpu_s']:.2f}/{r['floor_cpu_s']:.2f}"
        if r["ours_srv_s"] is not None:
            cpu += f" + server {r['ours_srv_s']:.2f}/{r['floor_srv_s']:.2f}"
        print(f"{r['db']:9}{r['ours_s']:9.2f}{r['floor_s']:13.3f}{r['ratio']:8.1f}  {'≤2× ' + ('ok' if hit else 'MISS'):10}"
              f"{r['queries']:9,}{len(r['runs_ours']):6}  {r['docx_s']:14.2f}  {'≤1s ' + ('ok' if dhit else 'MISS'):9}{cpu}")
    for r in rows:
        print(f"  {r['db']}: ours runs {r['runs_ours']} s; floor runs {r['runs_floor']} s; docx {r['table_rows']:,} table rows, "
              f"content {r['content_mb']} MB" + (f"; render_docx: {r['docx_note']}" if r["docx_note"] else "")
              + (f"; sections {r['sections']} [wall s, cpu s, queries]" if "sections" in r else ""))
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--budget", type=float, default=180.0, help="stop adding timed rounds after this many seconds")
    p.add_argument("--slow", type=float, default=30.0, help="a first build slower than this is not repeated")
    p.add_argument("--docx-max-rows", type=int, default=2000,
                   help="render the full content only up to this many table rows, else cut and extrapolate")
    p.add_argument("--profile", action="store_true")
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
                "--slow", str(a.slow), "--docx-max-rows", str(a.docx_max_rows),
                "--top", str(a.top), *(["--profile"] if a.profile else [])]
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
