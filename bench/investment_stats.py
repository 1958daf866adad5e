"""Benchmark `investment_stats` against a hand-written SQL floor on the synthetic province.

    python bench/investment_stats.py --db sqlite
    python bench/investment_stats.py --db postgres
    python bench/investment_stats.py --db both            # the default
    python bench/investment_stats.py --db both --repeat 5 --regenerate

For (a) one district and (b) the whole province: `investment_stats(year=2023, unit=…,
through=2023-12-31)` ("ours") and the SQL floor (below), each warmed up once then timed `--repeat`
times interleaved; best wall time is reported (and, on SQLite where the database runs inside this
process, the CPU time of that run). The two results must be identical (the floor's raw numbers are
formatted with the application's own `_yi`/`yoy_pct`/`completion_pct`, then the whole dict is
compared); any difference aborts with exit status 2. Exit status 1 when a ratio misses the target
(ours ≤ 1.5 × floor).

The SQL floor: five statements written directly with `connection.cursor()`, same database, same
process:
  1. totals — this year's / last year's span counts and sums (all, ≥1亿, ≥10亿) in one scan;
  2. the unit's targets;
  3. by industry (this year's span);
  4. by child unit: ≥1亿 projects rolled up to the unit's children by materialised-path prefix;
  5. the children's targets.
The subtree filter is a range on `path` (`path >= '/1/5/' AND path < '/1/50'`, i.e. the prefix
with its last "/" replaced by "0", the next character) so that both SQLite and PostgreSQL can use the
b-tree index on `path`; Django's `path__startswith` compiles to `LIKE … ESCAPE` which SQLite cannot
serve from that index (case-insensitive LIKE).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

import province  # noqa: E402

TARGET_RATIO = 1.5
YEAR = 2023
THROUGH = date(2023, 12, 31)


def prefix_range(path: str) -> tuple[str, str]:
    """[lo, hi) of the strings that start with `path` (which ends in "/"; "0" follows "/")."""
    return path, path[:-1] + "0"


def sql_floor(unit, year, through):
    """The same figures as investment_stats(), from five hand-written statements."""
    from django.db import connection

    from countyworks.core.models import Indicator, Industry, OrgUnit, Target
    from countyworks.core.periods import completion_pct, shift_year, yoy_pct
    from countyworks.investment.models import UNIT_1B, UNIT_100M, Project
    from countyworks.investment.selectors import INDICATOR_INVESTMENT_100M, INDICATOR_PROJECTS_100M, _yi

    P, U, T = Project._meta.db_table, OrgUnit._meta.db_table, Target._meta.db_table
    IC, IND = Indicator._meta.db_table, Industry._meta.db_table
    start, last_start, last_end = date(year, 1, 1), date(year - 1, 1, 1), shift_year(through, -1)
    lo, hi = prefix_range(unit.path)
    subtree = f"p.unit_id IN (SELECT id FROM {U} WHERE path >= %s AND path < %s)"
    this = "p.signed_date >= %s"  # within [last_start, through] already
    last = "p.signed_date <= %s"
    codes = (INDICATOR_PROJECTS_100M, INDICATOR_INVESTMENT_100M)
    with connection.cursor() as cur:
        cur.execute(f"""
            SELECT COUNT(*) FILTER (WHERE {this}),
                   SUM(p.planned_investment) FILTER (WHERE {this}),
                   COUNT(*) FILTER (WHERE {this} AND p.planned_investment >= %s),
                   SUM(p.planned_investment) FILTER (WHERE {this} AND p.planned_investment >= %s),
                   COUNT(*) FILTER (WHERE {this} AND p.planned_investment >= %s),
                   COUNT(*) FILTER (WHERE {last} AND p.planned_investment >= %s),
                   SUM(p.planned_investment) FILTER (WHERE {last} AND p.planned_investment >= %s),
                   COUNT(*) FILTER (WHERE {last} AND p.planned_investment >= %s)
            FROM {P} p
            WHERE p.signed_date >= %s AND p.signed_date <= %s AND {subtree}""",
                    [start, start, start, UNIT_100M, start, UNIT_100M, start, UNIT_1B,
                     last_end, UNIT_100M, last_end, UNIT_100M, last_end, UNIT_1B, last_start, through, lo, hi])
        n, amt, n100m, amt100m, n1b, l_n100m, l_amt100m, l_n1b = cur.fetchone()

        cur.execute(f"SELECT i.code, t.value FROM {T} t JOIN {IC} i ON i.id = t.indicator_id "
                    f"WHERE t.unit_id = %s AND t.year = %s AND i.code IN (%s, %s)", [unit.pk, year, *codes])
        targets = dict(cur.fetchall())

        cur.execute(f"""
            SELECT ind.name, ind.sort_order, COUNT(*) FILTER (WHERE p.planned_investment >= %s), COUNT(*),
                   SUM(p.planned_investment)
            FROM {P} p LEFT JOIN {IND} ind ON ind.id = p.industry_id
            WHERE p.signed_date >= %s AND p.signed_date <= %s AND {subtree}
            GROUP BY ind.name, ind.sort_order ORDER BY ind.sort_order""", [UNIT_100M, start, through, lo, hi])
        by_industry = cur.fetchall()

        # ≥1亿 projects of the two spans rolled up to the children: each credited unit's path
        # starts with exactly one child's path.
        cur.execute(f"""
            SELECT c.id, c.name, c.code, c.sort_order,
                   COUNT(*) FILTER (WHERE {this}), SUM(p.planned_investment) FILTER (WHERE {this}),
                   COUNT(*) FILTER (WHERE {this} AND p.planned_investment >= %s),
                   COUNT(*) FILTER (WHERE {last}), SUM(p.planned_investment) FILTER (WHERE {last})
            FROM {U} c
            JOIN {U} u ON u.path >= c.path AND u.path < substr(c.path, 1, length(c.path) - 1) || '0'
            JOIN {P} p ON p.unit_id = u.id
            WHERE c.parent_id = %s AND p.signed_date >= %s AND p.signed_date <= %s AND p.planned_investment >= %s
            GROUP BY c.id, c.name, c.code, c.sort_order""",
                    [start, start, start, UNIT_1B, last_end, last_end, unit.pk, last_start, through, UNIT_100M])
        rolled = {r[0]: r for r in cur.fetchall()}

        cur.execute(f"""
            SELECT c.id, c.name, c.code, c.sort_order, i.code, t.value
            FROM {U} c LEFT JOIN ({T} t JOIN {IC} i ON i.id = t.indicator_id AND i.code IN (%s, %s))
                 ON t.unit_id = c.id AND t.year = %s
            WHERE c.parent_id = %s""", [*codes, year, unit.pk])
        children, child_targets = {}, {}
        for cid, name, code, sort_order, icode, value in cur.fetchall():  # noqa: B007
            children[cid] = (name, code, sort_order)
            if icode:
                child_targets.setdefault(cid, {})[icode] = value

    # --- the same presentation as investment_stats() -----------------------------------------------
    t_n, t_amt = targets.get(INDICATOR_PROJECTS_100M), targets.get(INDICATOR_INVESTMENT_100M)
    rows = []
    for cid, (name, code, _sort) in sorted(children.items(), key=lambda kv: (kv[1][2], kv[1][1])):
        _, _, _, _, cn, camt, cn1b, cln, clamt = rolled.get(cid, (None,) * 4 + (0, 0, 0, 0, 0))
        camt, clamt = camt or 0, clamt or 0
        tg = child_targets.get(cid, {})
        if not (cn or cln or tg):
            continue
        rows.append({
            "unit": name, "unit_code": code, "unit_id": cid,
            "projects_100m": cn, "investment_100m_yi": _yi(camt), "projects_1b": cn1b,
            "projects_100m_last_year": cln, "projects_100m_yoy_pct": yoy_pct(cn, cln),
            "investment_100m_last_year_yi": _yi(clamt), "investment_100m_yoy_pct": yoy_pct(camt, clamt),
            "target_projects_100m": float(tg[INDICATOR_PROJECTS_100M]) if INDICATOR_PROJECTS_100M in tg else None,
            "target_projects_100m_pct": completion_pct(cn, tg.get(INDICATOR_PROJECTS_100M)),
            "target_investment_yi": _yi(tg[INDICATOR_INVESTMENT_100M]) if INDICATOR_INVESTMENT_100M in tg else None,
            "target_investment_pct": completion_pct(camt, tg.get(INDICATOR_INVESTMENT_100M)),
        })
    rows.sort(key=lambda r: (-r["projects_100m"], -r["investment_100m_yi"], r["unit_code"]))
    rank, prev = 0, None
    for i, r in enumerate(rows, 1):
        key = (r["projects_100m"], r["investment_100m_yi"])
        rank = rank if key == prev else i
        r["rank"], prev = rank, key
    return {
        "year": year, "unit": unit.name, "unit_code": unit.code, "through": through.isoformat(),
        "projects": n, "investment_yi": _yi(amt),
        "projects_100m": n100m, "projects_100m_last_year": l_n100m, "projects_100m_yoy_pct": yoy_pct(n100m, l_n100m),
        "investment_100m_yi": _yi(amt100m), "investment_100m_last_year_yi": _yi(l_amt100m),
        "investment_100m_yoy_pct": yoy_pct(amt100m or 0, l_amt100m or 0),
        "projects_1b": n1b, "projects_1b_last_year": l_n1b, "projects_1b_yoy_pct": yoy_pct(n1b, l_n1b),
        "target_projects_100m": float(t_n) if t_n is not None else None,
        "target_projects_100m_pct": completion_pct(n100m, t_n),
        "target_investment_yi": _yi(t_amt) if t_amt is not None else None,
        "target_investment_pct": completion_pct(amt100m or 0, t_amt),
        "by_industry": [{"industry": name or "未分类", "projects_100m": a, "projects": b, "investment_yi": _yi(c)}
                        for name, _, a, b, c in by_industry],
        "by_unit": rows,
    }


def diff(a, b, path="") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}.{k}: missing on one side" for k in set(a) ^ set(b)]
        for k in a.keys() & b.keys():
            out += diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: ours {a!r} ≠ floor {b!r}"]


def child(db: str, repeat: int) -> dict:
    province.setup_django(db)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from countyworks.core.models import OrgUnit
    from countyworks.investment.models import Project
    from countyworks.investment.selectors import investment_stats

    meta = province.read_meta()
    root = OrgUnit.objects.get(parent__isnull=True)
    district = OrgUnit.objects.filter(depth=2).order_by("code").first()
    lo, hi = prefix_range(district.path)
    n_district = Project.objects.filter(unit__path__gte=lo, unit__path__lt=hi).count()
    print(f"\n[{db}] {connection.vendor} {connection.Database.sqlite_version if db == 'sqlite' else connection.pg_version}"
          f" · load average {province.load_average()}")
    print(f"[{db}] data: {province.describe(meta)}")
    probe = province.server_cpu_probe()
    results = []
    for label, unit in [(f"district {district.name} ({n_district:,} projects in subtree)", district),
                              (f"province {root.name} ({meta['counts']['projects']:,} projects)", root)]:
        r = province.race({
            "ours": lambda u=unit: investment_stats(year=YEAR, unit=u, through=THROUGH),
            "floor": lambda u=unit: sql_floor(u, YEAR, THROUGH),
        }, repeat=repeat, probe=probe)
        problems = diff(r["ours"]["result"], r["floor"]["result"])
        if problems:
            print(f"[{db}] MISMATCH for {label}:\n  " + "\n  ".join(problems[:30]), file=sys.stderr)
            sys.exit(2)
        with CaptureQueriesContext(connection) as q:
            investment_stats(year=YEAR, unit=unit, through=THROUGH)
        res = r["ours"]["result"]
        results.append({
            "db": db, "scope": label, "ours_ms": r["ours"]["best"] * 1000, "floor_ms": r["floor"]["best"] * 1000,
            "ours_cpu_ms": r["ours"]["cpu"] * 1000, "floor_cpu_ms": r["floor"]["cpu"] * 1000,
            "ours_srv_ms": (r["ours"]["srv"] or 0) * 1000, "floor_srv_ms": (r["floor"]["srv"] or 0) * 1000,
            "ratio": r["ours"]["best"] / r["floor"]["best"], "queries": len(q.captured_queries),
            "runs_ours": [round(x * 1000, 1) for x in r["ours"]["runs"]],
            "runs_floor": [round(x * 1000, 1) for x in r["floor"]["runs"]],
            "figures": f"{res['projects_100m']} ≥1亿 projects ({res['investment_100m_yi']}亿), {res['projects_1b']} ≥10亿, "
                       f"last year {res['projects_100m_last_year']}; {len(res['by_industry'])} industries, "
                       f"{len(res['by_unit'])} child units",
        })
        print(f"[{db}] {label}: numbers agree — {results[-1]['figures']}")
    print(f"[{db}] load average after: {province.load_average()}")
    return {"db": db, "rows": results}


def print_table(rows, repeat):
    print(f"\ninvestment_stats(year={YEAR}, through={THROUGH}) vs hand-written SQL — best of {repeat} after 1 warm-up")
    print(f"machine: {province.machine_facts()}")
    head = f"{'db':9}{'scope':52}{'ours ms':>9}{'SQL floor ms':>14}{'ratio':>7}  {'target':8}{'queries':>8}  cpu ours/floor ms"
    print(head)
    print("-" * len(head))
    ok = True  # cpu: this process (on SQLite that includes the database); PostgreSQL adds its backend's CPU (10 ms ticks)
    for r in rows:
        hit = r["ratio"] <= TARGET_RATIO
        ok &= hit
        cpu = f"{r['ours_cpu_ms']:.1f}/{r['floor_cpu_ms']:.1f}"
        if r["db"] != "sqlite":
            cpu += f" + server {r['ours_srv_ms']:.0f}/{r['floor_srv_ms']:.0f}"
        print(f"{r['db']:9}{r['scope'][:51]:52}{r['ours_ms']:9.1f}{r['floor_ms']:14.1f}{r['ratio']:7.2f}  "
              f"{'≤1.5× ' + ('ok' if hit else 'MISS'):8}{r['queries']:8d}  {cpu}")
    for r in rows:
        print(f"  {r['db']} {r['scope'][:30]}: ours runs {r['runs_ours']} ms; floor runs {r['runs_floor']} ms")
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--regenerate", action="store_true")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        out = child(a.db, a.repeat)
        print("RESULT " + json.dumps(out, ensure_ascii=False))
        return
    dbs = ["sqlite", "postgres"] if a.db == "both" else [a.db]
    rows = []
    for db in dbs:
        province.ensure(db, regenerate=a.regenerate)
        proc = subprocess.Popen([sys.executable, __file__, "--child", "--db", db, "--repeat", str(a.repeat)], cwd=ROOT,
                                env=province.database_env(db), stdout=subprocess.PIPE, text=True)
        for line in proc.stdout:
            if line.startswith("RESULT "):
                rows += json.loads(line[7:])["rows"]
            else:
                print(line, end="", flush=True)
        if proc.wait():
            sys.exit(proc.returncode)
    ok = print_table(rows, a.repeat)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
