"""Benchmark `safety.selectors.safety_stats` against a hand-written SQL floor (SQLite).

    python bench/bench_safety.py                                  # 2,000,000 hazards, 5,000,000 inspections
    python bench/bench_safety.py --hazards 200000 --inspections 500000 --repeat 3

A fresh SQLite database in a temp dir is migrated, then filled with raw INSERTs (not timed): the
district with 3 街道 and 30 社区/村, the 住建局 with 8 teams, 20,000 objects over the built-in
categories, the inspections and the hazards (levels, states, deadlines and closing dates drawn
with a fixed seed). Then, each warmed up once and timed `--repeat` times, best wall time:

* ours: `safety_stats(through=THROUGH)` for the whole district;
* the floor: the same figures with `connection.cursor()` — one scan for found / major / closed /
  overdue, one for inspections and distinct objects, the median by ORDER BY … LIMIT/OFFSET, and
  the three GROUP BYs (team, category, area rolled up to 街道 in Python).

The headline figures of both must be equal (else exit 2); exit 1 when ours > 1.5 × floor.
PostgreSQL: set DATABASE_URL to an empty database; the script is otherwise the same."""

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
THROUGH = date(2024, 3, 29)


def setup(tmp):
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["COUNTYWORKS_DATA_DIR"] = str(tmp)
    os.environ["DJANGO_SETTINGS_MODULE"] = "countyworks.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(n_hazards, n_inspections, seed=20240219):
    from django.db import connection, transaction

    from countyworks.core.factories import OrgUnitFactory
    from countyworks.core.models import OrgUnit
    from countyworks.safety.models import Campaign, Checklist, ObjectCategory

    K = OrgUnit.Kind
    rng = random.Random(seed)
    district = OrgUnitFactory(code="B440704", name="江海区", kind=K.DISTRICT)
    subs = [OrgUnitFactory(code=f"BS{i}", name=f"街道{i}", parent=district) for i in range(3)]
    areas = [OrgUnitFactory(code=f"BA{i}", name=f"社区{i}", kind=K.COMMUNITY, parent=subs[i % 3]) for i in range(30)]
    bureau = OrgUnitFactory(code="BB04", name="区住建局", kind=K.BUREAU, parent=district)
    teams = [OrgUnitFactory(code=f"BT{i}", name=f"检查组{i}", kind=K.TEAM, parent=bureau) for i in range(1, 9)]
    cats = list(ObjectCategory.objects.values_list("pk", flat=True))
    checklists = {c.category_id: c.pk for c in Checklist.objects.all()}
    campaign = Campaign.objects.get(routine=True).pk
    now = "2024-03-29 00:00:00"
    cur = connection.cursor()
    n_objects = 20_000
    with transaction.atomic():
        cur.executemany(
            "INSERT INTO safety_inspectedobject (name, category_id, unit_id, address, contact_name, contact_phone,"
            " active, created_at) VALUES (%s, %s, %s, '', '', '', %s, %s)",
            [(f"对象{i}", cats[i % len(cats)], areas[i % 30].pk, True, now) for i in range(n_objects)])
    objs = _fetch(cur, "SELECT id, category_id, unit_id FROM safety_inspectedobject")
    start = date(2023, 1, 1)
    span = (THROUGH - start).days
    batch = 50_000
    with transaction.atomic():
        for off in range(0, n_inspections, batch):
            rows = []
            for _ in range(min(batch, n_inspections - off)):
                o = objs[rng.randrange(len(objs))]
                rows.append((campaign, teams[rng.randrange(8)].pk, o[0], checklists[o[1]],
                             start + timedelta(days=rng.randrange(span)), now))
            cur.executemany(
                "INSERT INTO safety_inspection (campaign_id, team_id, object_id, checklist_id, date, inspectors,"
                " note, created_at) VALUES (%s, %s, %s, %s, %s, '', '', %s)", rows)
    states = ["found", "notified", "rectifying", "submitted", "passed", "closed", "closed", "closed", "closed"]
    with transaction.atomic():
        for off in range(0, n_hazards, batch):
            rows = []
            for i in range(off, min(off + batch, n_hazards)):
                o = objs[rng.randrange(len(objs))]
                found = start + timedelta(days=rng.randrange(span))
                deadline = found + timedelta(days=rng.choice((7, 10, 15, 30)))
                status = rng.choice(states)
                closed = min(THROUGH, found + timedelta(days=rng.randrange(1, 40))) if status == "closed" else None
                rows.append((f"YH{i:09d}", campaign, teams[rng.randrange(8)].pk, o[0], o[2],
                             "major" if rng.random() < 0.03 else "general", found, deadline, status, closed, now))
            cur.executemany(
                "INSERT INTO safety_hazard (code, campaign_id, team_id, object_id, unit_id, level, description,"
                " responsible, requirement, found_on, deadline, status, notice_no, rectification_note, closed_on,"
                " supervised, created_at) VALUES (%s, %s, %s, %s, %s, %s, '隐患', '责任单位', '', %s, %s, %s, '', '',"
                " %s, FALSE, %s)", rows)
    cur.execute("ANALYZE")
    return district


def _fetch(cur, sql):
    cur.execute(sql)
    return cur.fetchall()


def floor(district):
    """The same figures, hand-written."""
    from django.db import connection

    d = THROUGH.isoformat()
    cur = connection.cursor()
    found, major, closed, overdue = _fetch(cur, f"""
        SELECT COUNT(*), SUM(level = 'major'),
               SUM(status = 'closed' AND closed_on <= '{d}'),
               SUM(deadline < '{d}' AND NOT (status = 'closed' AND closed_on <= '{d}'))
        FROM safety_hazard WHERE found_on <= '{d}'""")[0]
    inspections, objects = _fetch(cur, f"SELECT COUNT(*), COUNT(DISTINCT object_id) FROM safety_inspection"
                                       f" WHERE date <= '{d}'")[0]
    diff = "julianday(closed_on) - julianday(found_on)" if connection.vendor == "sqlite" else "closed_on - found_on"
    where = f"found_on <= '{d}' AND status = 'closed' AND closed_on <= '{d}'"
    n = closed or 0
    mid = [r[0] for r in _fetch(cur, f"SELECT {diff} AS s FROM safety_hazard WHERE {where} ORDER BY s"
                                     f" LIMIT {2 - n % 2} OFFSET {(n - 1) // 2}")] if n else []
    median = (sum(mid) / len(mid)) if mid else None
    groups = {}
    join = "JOIN safety_inspectedobject o ON o.id = {}.object_id"
    for key, sql_h, sql_i, h_join, i_join in (
        ("team", "h.team_id", "i.team_id", "", ""),
        ("category", "o.category_id", "o.category_id", join.format("h"), join.format("i")),
        ("unit", "h.unit_id", "o.unit_id", "", join.format("i")),
    ):
        h = _fetch(cur, f"""SELECT {sql_h}, COUNT(*), SUM(level='major'), SUM(status='closed' AND closed_on <= '{d}'),
                              SUM(deadline < '{d}' AND NOT (status='closed' AND closed_on <= '{d}'))
                            FROM safety_hazard h {h_join} WHERE found_on <= '{d}' GROUP BY 1""")
        i = _fetch(cur, f"""SELECT {sql_i}, COUNT(*), COUNT(DISTINCT i.object_id)
                            FROM safety_inspection i {i_join} WHERE date <= '{d}' GROUP BY 1""")
        groups[key] = (h, i)
    return {"hazards_found": found, "hazards_major": major or 0, "hazards_closed": closed or 0,
            "hazards_overdue": overdue or 0, "inspections": inspections, "objects_inspected": objects,
            "median_days_to_close": median, "groups": len(groups)}


def ours(district):
    from countyworks.safety.selectors import safety_stats

    return safety_stats(unit=district, through=THROUGH)


def timed(fn, arg, repeat):
    fn(arg)
    best = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(arg)
        el = time.perf_counter() - t
        best = el if best is None or el < best else best
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hazards", type=int, default=2_000_000)
    ap.add_argument("--inspections", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cw-bench-safety-") as tmp:
        setup(tmp)
        t = time.perf_counter()
        district = fill(args.hazards, args.inspections)
        print(f"生成数据：{args.hazards:,} 条隐患，{args.inspections:,} 条检查，用时 {time.perf_counter() - t:.1f} 秒")
        t_floor, f = timed(floor, district, args.repeat)
        t_ours, o = timed(ours, district, args.repeat)
        keys = ("hazards_found", "hazards_major", "hazards_closed", "hazards_overdue", "inspections",
                "objects_inspected", "median_days_to_close")
        mismatch = [k for k in keys if float(o[k] or 0) != float(f[k] or 0)]
        print(f"ours  {t_ours:8.3f} s")
        print(f"floor {t_floor:8.3f} s")
        ratio = t_ours / t_floor if t_floor else float("inf")
        print(f"ratio {ratio:8.2f} ×（目标 ≤ {TARGET}×）")
        if mismatch:
            print("结果不一致：", {k: (o[k], f[k]) for k in mismatch})
            return 2
        return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
