"""Benchmark the greening statistics (`rural.selectors.greening_stats`) against a hand-written SQL
floor, on a synthetic province of villages reporting the weekly greening form every week.

    python bench/bench_rural.py                                  # 26,000 villages × 52 weeks, SQLite
    python bench/bench_rural.py --villages 2600 --weeks 52       # a quick run
    python bench/bench_rural.py --db postgres                    # DATABASE_URL of a scratch database

The data (generated in this process into a fresh SQLite file in a temp dir, or into the
PostgreSQL database named by --pg-url, whose tables are emptied first): one province → 20
counties → towns → villages (26 per town), the greening form with the programme's default
figures (four "sum" figures, two "latest" ones), one submitted week per village and week with
random figures, an approved plan and a grid for 90 % of villages.

Ours: `greening_stats(unit=province, through=last Sunday)` — the totals (sums and latest values),
coverage, survival and the 20 counties ranked. The floor: the same figures from hand-written SQL
in the same process and database — one GROUP BY over the JSON sums, one ROW_NUMBER() window per
latest figure, one count each of plans / grids / villages per county — and a Python roll-up. Both
are warmed up once and timed `--repeat` times, interleaved; best wall time reported. The results
must be equal (exit 2 otherwise); exit 1 when ours > 1.5 × floor.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET = 1.5


def setup(args):
    if args.db == "sqlite":
        tmp = tempfile.mkdtemp(prefix="cw-bench-rural-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ["COUNTYWORKS_DATA_DIR"] = tmp
    else:
        os.environ["DATABASE_URL"] = args.pg_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyworks.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(n_villages, n_weeks, seed=2024):
    from django.db import transaction

    from countyworks.core.models import OrgUnit
    from countyworks.dispatch.models import ReportForm, Submission
    from countyworks.rural import selectors
    from countyworks.rural.models import GreeningPlan, MaintenanceGrid

    rng = random.Random(seed)
    K = OrgUnit.Kind
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)  # a scratch database
    with transaction.atomic():
        prov = OrgUnit.objects.create(code="P0", name="某省", kind=K.DISTRICT, path="", depth=0)
        prov.path = f"/{prov.pk}/"
        prov.save(update_fields=["path"])
        per_town = 26
        towns_total = max(1, n_villages // per_town)
        counties = [OrgUnit(code=f"C{i:02d}", name=f"第{i + 1}县", kind=K.COUNTY, parent=prov, depth=1) for i in range(20)]
        OrgUnit.objects.bulk_create(counties)
        counties = list(OrgUnit.objects.filter(parent=prov).order_by("code"))
        for c in counties:
            c.path = f"{prov.path}{c.pk}/"
        OrgUnit.objects.bulk_update(counties, ["path"])
        towns = [OrgUnit(code=f"T{i:05d}", name=f"镇{i}", kind=K.TOWN, parent=counties[i % 20], depth=2)
                 for i in range(towns_total)]
        OrgUnit.objects.bulk_create(towns, batch_size=2000)
        towns = list(OrgUnit.objects.filter(kind=K.TOWN).select_related("parent"))
        for t in towns:
            t.path = f"{t.parent.path}{t.pk}/"
        OrgUnit.objects.bulk_update(towns, ["path"], batch_size=2000)
        villages = [OrgUnit(code=f"V{i:06d}", name=f"村{i}", kind=K.VILLAGE, parent=towns[i % len(towns)], depth=3)
                    for i in range(n_villages)]
        OrgUnit.objects.bulk_create(villages, batch_size=5000)
        villages = list(OrgUnit.objects.filter(kind=K.VILLAGE).select_related("parent"))
        for v in villages:
            v.path = f"{v.parent.path}{v.pk}/"
        OrgUnit.objects.bulk_update(villages, ["path"], batch_size=5000)
        start = date(2023, 1, 2)
        form = ReportForm.objects.create(code="greening", name="乡村绿化周报", programme="rural", owner=prov,
                                         fields=[dict(f) for f in selectors.DEFAULT_FIELDS], start_date=start)
        form.units.set(villages)
        batch = []
        for v in villages:
            sages = party = 0
            for w in range(n_weeks):
                sages += rng.randrange(0, 3)
                party += rng.randrange(0, 4)
                s = rng.randrange(0, 30)
                batch.append(Submission(form=form, unit_id=v.pk, week_start=start + timedelta(days=7 * w),
                                        status="submitted", figures={
                                            "seedlings_secured": s, "trees_planted": rng.randrange(0, s + 1),
                                            "training": rng.randrange(0, 20), "sages_visited": sages,
                                            "party_members": party, "meetings": rng.randrange(0, 2)}))
                if len(batch) >= 20000:
                    Submission.objects.bulk_create(batch)
                    batch = []
        Submission.objects.bulk_create(batch)
        GreeningPlan.objects.bulk_create([GreeningPlan(unit=v, year=2023, seedlings_planned=500, trees_planned=400,
                                                       status="approved") for v in villages if rng.random() < 0.9],
                                         batch_size=5000)
        MaintenanceGrid.objects.bulk_create([MaintenanceGrid(unit=v, name="一组", party_member="党员", trees_in_care=10)
                                             for v in villages if rng.random() < 0.9], batch_size=5000)
    return prov, start + timedelta(days=7 * n_weeks - 1)


def floor(unit, through):
    """The headline figures and the per-county rows, from hand-written SQL."""
    from django.db import connection

    from countyworks.core.models import OrgUnit
    from countyworks.dispatch.models import ReportForm, Submission
    from countyworks.rural import selectors
    from countyworks.rural.models import GreeningPlan, MaintenanceGrid

    S, U = Submission._meta.db_table, OrgUnit._meta.db_table
    GP, MG = GreeningPlan._meta.db_table, MaintenanceGrid._meta.db_table
    form = ReportForm.objects.get(code="greening")
    pg = connection.vendor == "postgresql"

    def num(code):
        return f"NULLIF(s.figures->>'{code}', '')::numeric" if pg else f"CAST(json_extract(s.figures, '$.{code}') AS REAL)"

    last = selectors.last_counted_monday(through)
    lo, hi = unit.path, unit.path[:-1] + "0"
    sums = [f["code"] for f in form.fields if selectors.aggregation(f) == "sum"]
    latest = [f["code"] for f in form.fields if selectors.aggregation(f) == "latest"]
    where = (f"s.form_id = %s AND s.status IN ('submitted', 'approved') AND s.week_start <= %s "
             f"AND s.unit_id IN (SELECT id FROM {U} WHERE path >= %s AND path < %s)")
    params = [form.pk, last, lo, hi]
    per_unit = {}
    with connection.cursor() as cur:
        cur.execute(f"SELECT s.unit_id, {', '.join(f'SUM({num(c)})' for c in sums)} FROM {S} s WHERE {where} "
                    f"GROUP BY s.unit_id", params)
        for row in cur.fetchall():
            per_unit[row[0]] = dict(zip(sums, row[1:], strict=True))
        for c in latest:
            has = f"s.figures ? '{c}'" if pg else f"json_type(s.figures, '$.{c}') IS NOT NULL"
            cur.execute(f"SELECT unit_id, v FROM (SELECT s.unit_id, {num(c)} AS v, ROW_NUMBER() OVER "
                        f"(PARTITION BY s.unit_id ORDER BY s.week_start DESC) AS rn FROM {S} s WHERE {where} AND {has}) t "
                        f"WHERE rn = 1", params)
            for uid, v in cur.fetchall():
                per_unit.setdefault(uid, {})[c] = v
        cur.execute(f"SELECT id, path, kind FROM {U} WHERE path >= %s AND path < %s", [lo, hi])
        units = cur.fetchall()
        cur.execute(f"SELECT unit_id FROM {GP} WHERE year = %s AND status = 'approved'", [through.year])
        plans = {r[0] for r in cur.fetchall()}
        cur.execute(f"SELECT DISTINCT unit_id FROM {MG} WHERE active", [])
        grids = {r[0] for r in cur.fetchall()}
        cur.execute(f"SELECT id, name, code, path FROM {U} WHERE parent_id = %s", [unit.pk])
        kids = cur.fetchall()
    codes = {v: k for k, v in selectors.FIGURES.items()}

    def roll(prefix):
        t = dict.fromkeys(selectors.FIGURES, 0)
        villages = with_plan = with_grid = 0
        for uid, path, kind in units:
            if not path.startswith(prefix):
                continue
            for c, v in per_unit.get(uid, {}).items():
                t[codes[c]] += v or 0
            if kind in ("village", "community"):
                villages += 1
                with_plan += uid in plans
                with_grid += uid in grids
        return {k: round(float(v), 4) for k, v in t.items()} | {
            "villages_total": villages, "villages_with_plan": with_plan, "villages_with_grid": with_grid}

    out = roll(unit.path)
    out["by_unit"] = sorted(({"unit": name, **roll(path)} for pk, name, code, path in kids),
                            key=lambda r: (-r["trees_planted"], r["unit"]))
    return out


def ours(unit, through):
    from countyworks.rural.selectors import greening_stats

    s = greening_stats(unit=unit, through=through)
    keys = ["seedlings_secured", "trees_planted", "training_attendances", "sages_visited", "party_members", "meetings",
            "villages_total", "villages_with_plan", "villages_with_grid"]
    shape = lambda r: {k: round(float(r[k]), 4) if isinstance(r[k], float) else r[k] for k in keys}  # noqa: E731
    out = shape(s)
    out["by_unit"] = sorted(({"unit": r["unit"], **shape(r)} for r in s["by_unit"]),
                            key=lambda r: (-r["trees_planted"], r["unit"]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", ""))
    ap.add_argument("--villages", type=int, default=26000)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.db == "postgres" and not args.pg_url:
        ap.error("--db postgres needs --pg-url postgres://… (a scratch database: its tables are emptied)")
    setup(args)
    t0 = time.perf_counter()
    unit, through = generate(args.villages, args.weeks)
    print(f"generated {args.villages} villages × {args.weeks} weeks on {args.db} in {time.perf_counter() - t0:.1f}s")
    a, b = ours(unit, through), floor(unit, through)
    if a != b:
        print("results differ:\n ours ", {k: v for k, v in a.items() if k != "by_unit"},
              "\n floor", {k: v for k, v in b.items() if k != "by_unit"})
        sys.exit(2)
    best = {"ours": float("inf"), "floor": float("inf")}
    for _ in range(args.repeat):
        for name, fn in (("ours", ours), ("floor", floor)):
            t = time.perf_counter()
            fn(unit, through)
            best[name] = min(best[name], time.perf_counter() - t)
    ratio = best["ours"] / best["floor"]
    print(f"greening_stats (province, {args.villages} villages × {args.weeks} weeks, {args.db}): "
          f"ours {best['ours']:.3f}s, SQL floor {best['floor']:.3f}s, ratio {ratio:.2f} (target ≤ {TARGET})")
    sys.exit(0 if ratio <= TARGET else 1)


if __name__ == "__main__":
    main()
