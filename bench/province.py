"""A synthetic province for the statistics and bulletin benchmarks (see bench/STATS.md).

    python bench/province.py --db sqlite              # generate (or reuse) the SQLite province
    python bench/province.py --db postgres            # same on PostgreSQL (database cw_bench_province)
    python bench/province.py --db both --regenerate   # throw away and rebuild both

Shape (defaults): 1 province root → 21 cities → 120 districts/counties → 1,500 towns/subdistricts
→ 26,000 villages/communities (materialised `path`/`depth` computed here, ids assigned here, one
bulk_create per level); 2023/2024 targets for the root, the cities and the districts; 50,000
enterprises; 200,000 projects (≈40 % ≥ 1亿 = 10,000 万元, ≈5 % ≥ 10亿, signed 2022–2024, credited to a
village (70 %) or a district/town (30 %)); 1,000,000 activities; the weekly "greening" ReportForm
(fields of countyworks/demo/dispatch.py) assigned to every village with 52 weeks of 2024 submissions
(≈3 % missing, ≈2 % drafts, ≈2 % returned, ≈8 % late).

The databases:
    sqlite    /tmp/cw-bench-province/province.sqlite3      (COUNTYWORKS_DATA_DIR /tmp/cw-bench-province/data)
    postgres  postgres://postgres@127.0.0.1:5432/cw_bench_province  (override with --pg-url)

Generation is skipped when the database exists, its recorded sizes (table `bench_meta`) equal the
requested ones and the row counts match; `--regenerate` forces a rebuild. Generation runs in a
child process (Django reads DATABASE_URL once, at settings import); `--db both` builds both in
parallel child processes.

Other scripts use `database_env(db)` to get the environment of a database and `ensure(db, …)` to
make sure it is there.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SQLITE_DIR = Path(os.environ.get("CW_BENCH_DIR", "/tmp/cw-bench-province"))  # override for a second copy
SQLITE_PATH = SQLITE_DIR / "province.sqlite3"
PG_DB = os.environ.get("CW_BENCH_PG_DB", "cw_bench_province")
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"

DEFAULTS = {
    "cities": 21,
    "districts": 120,
    "towns": 1500,
    "villages": 26000,
    "enterprises": 50000,
    "projects": 200000,
    "activities": 1000000,
    "weeks": 52,  # weekly submissions from 2024-01-01
    "reporting_villages": 0,  # 0 = every village reports the greening form
    "seed": 20240331,
}
SIZE_KEYS = list(DEFAULTS)
FORM_START = date(2024, 1, 1)  # a Monday


def database_env(db: str, pg_url: str = PG_URL) -> dict:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "countyworks.settings"
    env["COUNTYWORKS_DATA_DIR"] = str(SQLITE_DIR / "data")
    env["COUNTYWORKS_LOG_LEVEL"] = "ERROR"
    env["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}" if db == "sqlite" else pg_url
    return env


def machine_facts() -> str:
    import platform

    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.0f} GB"
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), {mem} RAM, Python {platform.python_version()}, {platform.system()}"


def load_average() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def server_cpu_probe():
    """For PostgreSQL on this host: a function returning the CPU seconds used so far by this
    connection's backend process (/proc/<pg_backend_pid()>/stat utime+stime), so that client +
    server CPU can be reported; None for SQLite (it runs inside this process)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    tick = os.sysconf("SC_CLK_TCK")
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return None

    def probe():
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    return probe


def race(contenders: dict, *, repeat: int = 5, warmup: int = 1, budget_s: float | None = None, probe=None) -> dict:
    """Run each contender `warmup` times, then `repeat` rounds, the contenders interleaved within a
    round (so background load hits both alike). Returns {name: {"best": s, "cpu": s of that run,
    "srv": server CPU s of that run (with `probe`), "runs": [s…], "result": last result}}. With
    `budget_s`, stops adding rounds once the rounds so far have taken longer than the budget (at
    least one timed round is always run)."""
    out = {name: {"runs": [], "cpus": [], "srvs": [], "result": None} for name in contenders}
    for _ in range(warmup):
        for name, fn in contenders.items():
            out[name]["result"] = fn()
    started = time.perf_counter()
    for i in range(repeat):
        for name, fn in contenders.items():
            s0 = probe() if probe else 0.0
            c0, t0 = time.process_time(), time.perf_counter()
            out[name]["result"] = fn()
            out[name]["runs"].append(time.perf_counter() - t0)
            out[name]["cpus"].append(time.process_time() - c0)
            out[name]["srvs"].append((probe() - s0) if probe else None)
        if budget_s is not None and time.perf_counter() - started > budget_s and i + 1 < repeat:
            break
    for r in out.values():
        k = min(range(len(r["runs"])), key=r["runs"].__getitem__)
        r["best"], r["cpu"], r["srv"] = r["runs"][k], r["cpus"][k], r["srvs"][k]
    return out


# --- running inside a configured Django process ---------------------------------------------------------


def setup_django(db: str, pg_url: str = PG_URL) -> None:
    """Point this process at the benchmark database and set Django up (call before any import
    of countyworks models)."""
    os.environ.update({k: v for k, v in database_env(db, pg_url).items()
                       if k in ("DJANGO_SETTINGS_MODULE", "COUNTYWORKS_DATA_DIR", "DATABASE_URL",
                                "COUNTYWORKS_LOG_LEVEL")})
    import django

    django.setup()


def read_meta() -> dict | None:
    from django.db import connection

    if "bench_meta" not in connection.introspection.table_names():
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT value FROM bench_meta WHERE key = 'province'")
        row = cur.fetchone()
    return json.loads(row[0]) if row else None


def actual_counts() -> dict:
    from countyworks.core.models import Enterprise, OrgUnit
    from countyworks.dispatch.models import Submission
    from countyworks.investment.models import Activity, Project

    return {"orgunits": OrgUnit.objects.count(), "enterprises": Enterprise.objects.count(),
            "projects": Project.objects.count(), "activities": Activity.objects.count(),
            "submissions": Submission.objects.count()}


def describe(meta: dict) -> str:
    c, s = meta["counts"], meta["sizes"]
    return (f"{c['orgunits']:,} org units (1 root, {s['cities']} cities, {s['districts']} districts, "
            f"{s['towns']:,} towns, {s['villages']:,} villages), {c['enterprises']:,} enterprises, "
            f"{c['projects']:,} projects, {c['activities']:,} activities, greening form: "
            f"{meta['reporting_villages']:,} reporting villages × {s['weeks']} weeks = {c['submissions']:,} submissions")


def _split(total, parents, rng):
    """`total` children over `parents` parents as evenly as possible, the extras at random."""
    base, extra = divmod(total, parents)
    counts = [base] * parents
    for i in rng.sample(range(parents), extra):
        counts[i] += 1
    return counts


def fast_insert(model, rows, chunk=20000) -> int:
    """Insert dict rows (attname → Python value) into `model`'s table without building model
    instances: Django's bulk_create costs ~250 µs of CPU per row here (the SQL compiler's per-field
    work), which made 2.4 M rows take over an hour. Values are adapted the way Django adapts them
    (`connection.ops.adapt_*` for dates/datetimes, json.dumps for JSON); SQLite gets executemany,
    PostgreSQL gets COPY. One transaction per chunk."""
    from django.db import connection, transaction
    from django.db.models import DateField, DateTimeField, JSONField

    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    cols = list(first)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    kinds = []
    for c in cols:
        f = fields[c]
        kinds.append("json" if isinstance(f, JSONField) else "dt" if isinstance(f, DateTimeField)
                     else "date" if isinstance(f, DateField) else "")
    ops, table = connection.ops, model._meta.db_table
    sqlite = connection.vendor == "sqlite"
    qcols = ", ".join(ops.quote_name(c) for c in cols)

    def adapt(row):
        out = []
        for c, k in zip(cols, kinds, strict=True):
            v = row[c]
            if v is not None and k:
                if k == "json":
                    v = json.dumps(v)
                elif sqlite:
                    v = ops.adapt_datetimefield_value(v) if k == "dt" else ops.adapt_datefield_value(v)
            out.append(v)
        return out

    total, buf = 0, [adapt(first)]

    def flush(buf):
        with transaction.atomic(), connection.cursor() as cur:
            if sqlite:
                cur.executemany(f"INSERT INTO {ops.quote_name(table)} ({qcols}) VALUES ({', '.join(['%s'] * len(cols))})",
                                buf)
            else:
                with cur.cursor.copy(f"COPY {ops.quote_name(table)} ({qcols}) FROM STDIN") as cp:
                    for r in buf:
                        cp.write_row(r)

    for row in rows:
        buf.append(adapt(row))
        if len(buf) >= chunk:
            flush(buf)
            total += len(buf)
            buf = []
    if buf:
        flush(buf)
        total += len(buf)
    return total


def generate(sizes: dict, log=print) -> dict:
    """Fill the (migrated, empty) database. Returns the meta record."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from countyworks.core.models import Enterprise, Indicator, Industry, OrgUnit, Target
    from countyworks.demo.dispatch import GREENING_FIELDS, RULES
    from countyworks.dispatch.models import ReportForm, Submission
    from countyworks.investment.models import Activity, Project

    rng = random.Random(sizes["seed"])
    K = OrgUnit.Kind
    if connection.vendor == "sqlite":  # this connection only: the disk's fsync is slow; a crash just means --regenerate
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous=OFF")
    t0 = time.perf_counter()

    # --- org tree: ids assigned here, path = parent's path + own id + "/", depth = level ----------
    levels = []  # list of lists of (id, parent_id, path)
    next_id = 1
    root = OrgUnit(id=next_id, code="BP0000001", name="示范省", kind=K.DISTRICT, parent_id=None,
                   path=f"/{next_id}/", depth=0, sort_order=0)
    next_id += 1
    levels.append([root])
    plan = [("cities", lambda i: (K.DISTRICT, f"第{i}市")),
            ("districts", lambda i: ((K.DISTRICT, f"第{i}区") if i % 3 else (K.COUNTY, f"第{i}县"))),
            ("towns", lambda i: ((K.TOWN, f"第{i}镇") if i % 2 else (K.SUBDISTRICT, f"第{i}街道"))),
            ("villages", lambda i: ((K.VILLAGE, f"第{i}村") if i % 4 else (K.COMMUNITY, f"第{i}社区")))]
    for depth, (key, kind_name) in enumerate(plan, start=1):
        parents = levels[-1]
        counts = _split(sizes[key], len(parents), rng)
        level, n = [], 0
        for parent, k in zip(parents, counts, strict=True):
            for j in range(k):
                n += 1
                kind, name = kind_name(n)
                level.append(OrgUnit(id=next_id, code=f"BP{next_id:07d}", name=name, kind=kind,
                                     parent_id=parent.id, path=f"{parent.path}{next_id}/", depth=depth, sort_order=j))
                next_id += 1
        levels.append(level)
    with transaction.atomic():
        for level in levels:
            OrgUnit.objects.bulk_create(level, batch_size=2000)
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), [OrgUnit]):
                cur.execute(sql)
    root, cities, districts, towns, villages = levels
    log(f"  org units: {sum(map(len, levels)):,} in {time.perf_counter() - t0:.1f}s")

    # --- targets ------------------------------------------------------------------------------
    ind = {i.code: i for i in Indicator.objects.filter(code__in=["projects_100m", "investment_100m"])}
    assert len(ind) == 2, "the investment migration seeds the two indicators"
    per_unit_year = sizes["projects"] / 3 * 0.40 / max(1, len(districts))  # ≥1亿 projects per district a year
    targets = []
    for year in (2023, 2024):
        for u, scale in [(root[0], len(districts)), *[(c, len(districts) / len(cities)) for c in cities],
                         *[(d, 1) for d in districts]]:
            n = round(per_unit_year * scale * rng.uniform(0.8, 1.3))
            targets.append(Target(unit=u, indicator=ind["projects_100m"], year=year, value=n))
            targets.append(Target(unit=u, indicator=ind["investment_100m"], year=year, value=n * 40000))
    Target.objects.bulk_create(targets)

    # --- enterprises and projects ---------------------------------------------------------------
    t1 = time.perf_counter()
    industries = list(Industry.objects.all())
    cities_names = ["江门", "广州", "深圳", "佛山", "东莞", "中山", "珠海", "香港", "上海", "北京"]
    ents = [Enterprise(name=f"示范{i}号实业有限公司", credit_code=f"91440{i:013d}", city=rng.choice(cities_names),
                       industry=rng.choice(industries), size=rng.choice(["large", "medium", "small", "micro"]))
            for i in range(sizes["enterprises"])]
    with transaction.atomic():
        Enterprise.objects.bulk_create(ents, batch_size=2000)
    ent_ids = list(Enterprise.objects.values_list("id", flat=True))
    village_ids = [u.id for u in villages]
    upper_ids = [u.id for u in districts] + [u.id for u in towns]
    span0, span_days = date(2022, 1, 1), (date(2024, 12, 31) - date(2022, 1, 1)).days
    now = timezone.now()
    ind_ids = [i.id for i in industries]

    def project_rows():
        for i in range(sizes["projects"]):
            r = rng.random()
            if r < 0.05:
                amount = rng.randint(100_000, 600_000)
            elif r < 0.40:
                amount = rng.randint(10_000, 99_999)
            else:
                amount = rng.randint(200, 9_999)
            yield {"code": f"BPJ{i:08d}", "name": f"示范项目{i}", "enterprise_id": rng.choice(ent_ids),
                   "kind": "expansion" if rng.random() < 0.2 else "new",
                   "industry_id": None if rng.random() < 0.03 else rng.choice(ind_ids),
                   "planned_investment": amount,
                   "unit_id": rng.choice(village_ids) if rng.random() < 0.7 else rng.choice(upper_ids),
                   "signed_date": span0 + timedelta(days=rng.randrange(span_days + 1)),
                   "agreement": "investment", "created_at": now, "updated_at": now}

    n = fast_insert(Project, project_rows())
    log(f"  {len(ents):,} enterprises (bulk_create) + {n:,} projects: {time.perf_counter() - t1:.1f}s")

    # --- activities -----------------------------------------------------------------------------
    t2 = time.perf_counter()
    all_ids = [u.id for lv in levels for u in lv]
    kinds = [k for k, _ in Activity.Kind.choices]

    def activity_rows():
        for i in range(sizes["activities"]):
            yield {"kind": rng.choice(kinds), "date": span0 + timedelta(days=rng.randrange(span_days + 1)),
                   "title": f"招商活动{i}", "city": rng.choice(cities_names), "unit_id": rng.choice(all_ids),
                   "leaders_present": "", "notes": ""}

    n = fast_insert(Activity, activity_rows())
    log(f"  {n:,} activities: {time.perf_counter() - t2:.1f}s")

    # --- the greening form and its weekly submissions --------------------------------------------
    t3 = time.perf_counter()
    reporting = villages if not sizes["reporting_villages"] else rng.sample(villages, sizes["reporting_villages"])
    reporting.sort(key=lambda u: u.id)
    weeks = [FORM_START + timedelta(days=7 * k) for k in range(sizes["weeks"])]
    form = ReportForm.objects.create(code="greening", name="乡村绿化周报", programme="rural", owner=root[0],
                                     fields=GREENING_FIELDS, rules=RULES, start_date=FORM_START,
                                     end_date=weeks[-1] + timedelta(days=6))
    Through = ReportForm.units.through
    Through.objects.bulk_create([Through(reportform_id=form.id, orgunit_id=u.id) for u in reporting], batch_size=2000)
    S = Submission.Status

    def submission_rows():
        for w in weeks:
            due = form.due_at(w)
            for u in reporting:
                r = rng.random()
                if r < 0.03:
                    continue  # missing
                seed_n = rng.randint(0, 60)
                figs = {"seedlings_secured": seed_n, "trees_planted": rng.randint(0, seed_n),
                        "training": rng.randint(0, 30), "sages_visited": rng.randint(0, 5),
                        "party_members": rng.randint(0, 12), "meetings": 1 if rng.random() < 0.1 else 0}
                if r < 0.05:
                    status, first = S.DRAFT, None
                else:
                    first = due + timedelta(hours=rng.randint(1, 60)) if rng.random() < 0.08 else \
                        due - timedelta(minutes=rng.randint(30, 4000))
                    status = S.RETURNED if r < 0.07 else (S.APPROVED if r < 0.67 else S.SUBMITTED)
                yield {"form_id": form.id, "unit_id": u.id, "week_start": w, "figures": figs, "text": "",
                       "status": str(status), "flags": [], "first_submitted_at": first, "submitted_at": first,
                       "reviewed_at": first + timedelta(days=1) if status == S.APPROVED else None,
                       "return_reason": "请核实" if status == S.RETURNED else ""}

    n_subs = fast_insert(Submission, submission_rows())
    log(f"  greening form + {n_subs:,} submissions: {time.perf_counter() - t3:.1f}s")

    t4 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    log(f"  ANALYZE: {time.perf_counter() - t4:.1f}s")
    meta = {"sizes": {k: sizes[k] for k in SIZE_KEYS}, "counts": actual_counts(),
            "reporting_villages": len(reporting), "generated_at": datetime.now().isoformat(timespec="seconds"),
            "generation_seconds": round(time.perf_counter() - t0, 1)}
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_meta (key varchar(50) PRIMARY KEY, value text)")
        cur.execute("INSERT INTO bench_meta (key, value) VALUES ('province', %s)", [json.dumps(meta)])
    return meta


# --- the parent side: create / migrate / check the database --------------------------------------------


def _psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql, "postgres"],
                   check=True)


def _pg_exists(name: str) -> bool:
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc",
                          f"SELECT 1 FROM pg_database WHERE datname = '{name}'", "postgres"],
                         check=True, capture_output=True, text=True).stdout
    return out.strip() == "1"


def _child(db: str, sizes: dict, pg_url: str, mode: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, __file__, "--child", mode, "--db", db, "--pg-url", pg_url,
                           "--sizes", json.dumps(sizes)], cwd=ROOT, env=database_env(db, pg_url),
                          capture_output=(mode == "check"), text=True)


def _is_current(db: str, sizes: dict, pg_url: str) -> dict | None:
    if db == "sqlite" and not SQLITE_PATH.exists():
        return None
    if db == "postgres" and not _pg_exists(pg_url.rsplit("/", 1)[1]):
        return None
    r = _child(db, sizes, pg_url, "check")
    if r.returncode != 0:
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def _fresh(db: str, pg_url: str) -> None:
    if db == "sqlite":
        SQLITE_DIR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    else:
        name = pg_url.rsplit("/", 1)[1]
        _psql(f'DROP DATABASE IF EXISTS "{name}"')
        _psql(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "-m", "countyworks", "migrate", "-v0"], cwd=ROOT, env=database_env(db, pg_url),
                   check=True)


def ensure(db: str, *, sizes: dict | None = None, regenerate: bool = False, pg_url: str = PG_URL) -> dict:
    """Make sure database `db` holds the province of `sizes`; returns its meta record. With
    sizes=None an existing, consistent province of any size is accepted (the benchmarks do
    this: make a smaller province with province.py first and they use it); the defaults are
    generated when there is none."""
    wanted = None if sizes is None else {**DEFAULTS, **sizes}
    sizes = wanted or dict(DEFAULTS)
    if not regenerate:
        meta = _is_current(db, wanted, pg_url)
        if meta:
            print(f"[{db}] province present (generated {meta['generated_at']} in {meta['generation_seconds']}s): "
                  f"{describe(meta)}", flush=True)
            return meta
    print(f"[{db}] generating the province …", flush=True)
    _fresh(db, pg_url)
    r = _child(db, sizes, pg_url, "generate")
    if r.returncode != 0:
        raise SystemExit(f"[{db}] generation failed")
    meta = _is_current(db, sizes, pg_url)
    if not meta:
        raise SystemExit(f"[{db}] generated database does not check out")
    return meta


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    p.add_argument("--regenerate", action="store_true")
    p.add_argument("--pg-url", default=PG_URL)
    for k, v in DEFAULTS.items():
        p.add_argument(f"--{k.replace('_', '-')}", type=int, default=v)
    p.add_argument("--child", choices=["check", "generate"], help=argparse.SUPPRESS)
    p.add_argument("--sizes", help=argparse.SUPPRESS)
    a = p.parse_args()

    if a.child:
        sizes = json.loads(a.sizes)
        setup_django(a.db, a.pg_url)
        if a.child == "check":
            meta = read_meta()
            if not meta or (sizes is not None and meta["sizes"] != sizes) or meta["counts"] != actual_counts():
                sys.exit(3)
            print(json.dumps(meta))
        else:
            meta = generate(sizes, log=lambda s: print(f"[{a.db}]{s}", flush=True))
            print(f"[{a.db}] done in {meta['generation_seconds']}s: {describe(meta)}", flush=True)
        return

    sizes = {k: getattr(a, k) for k in DEFAULTS}
    dbs = ["sqlite", "postgres"] if a.db == "both" else [a.db]
    print(f"machine: {machine_facts()}")
    if len(dbs) == 1:
        ensure(dbs[0], sizes=sizes, regenerate=a.regenerate, pg_url=a.pg_url)
    else:  # build both at once, one child each (2 cores)
        procs = [subprocess.Popen([sys.executable, __file__, "--db", db, "--pg-url", a.pg_url,
                                   *(["--regenerate"] if a.regenerate else []),
                                   *[x for k in DEFAULTS for x in (f"--{k.replace('_', '-')}", str(sizes[k]))]],
                                  cwd=ROOT) for db in dbs]
        codes = [pr.wait() for pr in procs]
        if any(codes):
            raise SystemExit(1)


if __name__ == "__main__":
    main()
