"""List pages at province scale against the Django admin changelist (issue 12; see bench/STATS.md).

    .venv/bin/python bench/list_pages.py                          # SQLite province, all pages, both users
    .venv/bin/python bench/list_pages.py --profile projects:province   # + cProfile of one page (top 15)
    CW_BENCH_DIR=/tmp/cw-bench-small .venv/bin/python bench/list_pages.py   # a smaller province

For each list page (签约项目 /investment/projects/, 招商线索 /investment/leads/, 周报报送记录
/dispatch/submissions/), each with a unit filter and a sort, 50 rows a page, and for each user
(a district-level investment+dispatch manager on the first district by code, filtering on that
district; a province-level one on the root, filtering on that district's city): our page
against the admin changelist of the same model with the same filter and sort (bench/list_settings.py),
logged in as a superuser. Both through one in-process django.test.Client, interleaved request
by request, in the same run. Reported: best / p50 / p95 wall ms over --requests timed requests
after --warmup untimed ones (best CPU ms too), ratio ours/admin (best, p95), HTML KB, queries
per page (CaptureQueriesContext, an extra untimed request) and their SQL ms, the Python allocation
peak of one request (tracemalloc, untimed) and the process's peak RSS.

Before timing, one request of each (with Django's test instrumentation, then switched off) checks
that ours and the admin agree: HTTP 200, the same total number of rows, 50 rows shown, and the same
sort-key values in the same order. Exit status: 0 measured; 1 on an error (no province, a page
not 200, an exception); 2 when ours and the admin disagree (printed).

Fixtures added to the province database, idempotent and recorded in bench_meta ('list_pages'):
three users (bench_list_district, bench_list_province, bench_list_admin — superuser) with their
roles, and --leads leads (default 50,000, since bench/province.py generates none): code, enterprise,
source, status, registered 2022–2024, intended investment distributed as the projects' planned
investment, credited to a village (70 %) or a district/town (30 %).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import sys
import time
import traceback
from datetime import date, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
for p in (str(BENCH_DIR), str(ROOT)):
    if p not in sys.path:
        sys.path.insert(0, p)

import province  # noqa: E402  (bench/province.py: database location, ensure(), fast_insert())

USERS = {
    "district": "bench_list_district",
    "province": "bench_list_province",
}
ADMIN_USER = "bench_list_admin"
PASSWORD = "Bench-List@2024"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values, q):
    """Nearest-rank percentile (q in 0..100)."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, -(-len(s) * q // 100) - 1))
    return s[int(k)]


# --- fixtures -----------------------------------------------------------------------------------------


def read_list_meta() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT value FROM bench_meta WHERE key = 'list_pages'")
        row = cur.fetchone()
    return json.loads(row[0]) if row else {}


def write_list_meta(meta: dict) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM bench_meta WHERE key = 'list_pages'")
        cur.execute("INSERT INTO bench_meta (key, value) VALUES ('list_pages', %s)", [json.dumps(meta)])


def ensure_leads(n: int, seed: int) -> int:
    """Leads for the lead list (the province generator makes none). Returns how many there are."""
    from django.db import connection
    from django.utils import timezone

    from countyworks.core.models import Enterprise, Industry, OrgUnit
    from countyworks.investment.models import Lead

    have = Lead.objects.count()
    meta = read_list_meta()
    if have and (meta.get("leads") == have or not n):
        return have
    if have:
        print(f"  {have:,} leads present, not the {n:,} asked for: left as they are", flush=True)
        return have
    if not n:
        return 0
    t0 = time.perf_counter()
    rng = random.Random(seed)
    K = OrgUnit.Kind
    ent_ids = list(Enterprise.objects.values_list("id", flat=True))
    ind_ids = list(Industry.objects.values_list("id", flat=True))
    village_ids = list(OrgUnit.objects.filter(kind__in=[K.VILLAGE, K.COMMUNITY]).values_list("id", flat=True))
    upper_ids = list(OrgUnit.objects.filter(depth__in=[2, 3]).values_list("id", flat=True))
    sources = [k for k, _ in Lead.Source.choices]
    statuses = [k for k, _ in Lead.Status.choices]
    weights = [30, 30, 15, 5, 8, 7, 5]
    span0, span_days = date(2022, 1, 1), (date(2024, 12, 31) - date(2022, 1, 1)).days
    now = timezone.now()

    def rows():
        for i in range(n):
            r = rng.random()
            amount = (rng.randint(100_000, 600_000) if r < 0.05 else rng.randint(10_000, 99_999) if r < 0.40
                      else rng.randint(200, 9_999))
            status = rng.choices(statuses, weights)[0]
            yield {"code": f"BXS{i:08d}", "title": f"示范线索{i}", "enterprise_id": rng.choice(ent_ids),
                   "source": rng.choice(sources), "source_unit_id": None,
                   "unit_id": rng.choice(village_ids) if rng.random() < 0.7 else rng.choice(upper_ids),
                   "officer_id": None, "industry_id": None if rng.random() < 0.03 else rng.choice(ind_ids),
                   "intended_investment": None if rng.random() < 0.05 else amount, "land_need_mu": None,
                   "status": status, "status_reason": "请核实" if status in ("shelved", "lost") else "",
                   "description": "", "registered_on": span0 + timedelta(days=rng.randrange(span_days + 1)),
                   "created_at": now, "updated_at": now}

    made = province.fast_insert(Lead, rows())
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {connection.ops.quote_name(Lead._meta.db_table)}")
    write_list_meta({**meta, "leads": made, "seed": seed})
    print(f"  {made:,} leads inserted in {time.perf_counter() - t0:.1f}s", flush=True)
    return made


def ensure_users():
    """The two scoped users (investment + dispatch manager on the first district by code / on the
    root) and a superuser for the admin. Returns ({user key: (user, filter unit)}, admin user,
    district, city)."""
    from countyworks.core.models import OrgUnit, Programme, Role, RoleKind, User

    root = OrgUnit.objects.filter(parent__isnull=True).order_by("code").first()
    district = OrgUnit.objects.filter(depth=2).order_by("code").first()
    if root is None or district is None:
        raise SystemExit("the province has no root or no district")
    city = district.parent
    made = {}
    for key, unit in (("district", district), ("province", root)):
        user, _ = User.objects.get_or_create(username=USERS[key], defaults={"full_name": f"基准{key}", "unit": unit})
        if not user.has_usable_password():
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        for prog in (Programme.INVESTMENT, Programme.DISPATCH):
            Role.objects.get_or_create(user=user, kind=RoleKind.MANAGER, programme=prog, unit=unit)
        made[key] = user
    admin, created = User.objects.get_or_create(username=ADMIN_USER, defaults={
        "is_staff": True, "is_superuser": True, "full_name": "基准超级用户"})
    if created or not (admin.is_staff and admin.is_superuser):
        admin.is_staff = admin.is_superuser = True
        admin.set_password(PASSWORD)
        admin.save()
    return made, admin, district, city


# --- requests -------------------------------------------------------------------------------------------


class Contender:
    """One URL fetched by one logged-in test client."""

    def __init__(self, name, client, url):
        self.name, self.client, self.url = name, client, url
        self.walls, self.cpus = [], []
        self.html = self.queries = self.sql_ms = self.alloc_mb = None

    def get(self):
        r = self.client.get(self.url)
        if r.status_code != 200:
            raise RuntimeError(f"{self.name} {self.url}: HTTP {r.status_code}")
        return r

    def timed(self):
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        r = self.get()
        self.walls.append(time.perf_counter() - t0)
        self.cpus.append(time.process_time() - c0)
        self.html = len(r.content)

    def count_queries(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            self.get()
        self.queries = len(ctx.captured_queries)
        self.sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
        self.sql = [q["sql"] for q in ctx.captured_queries]

    def trace_alloc(self):
        import tracemalloc

        gc.collect()
        tracemalloc.start()
        try:
            self.get()
            self.alloc_mb = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()

    def summary(self):
        w = [x * 1000 for x in self.walls]
        k = min(range(len(w)), key=w.__getitem__)
        return {"best": w[k], "p50": statistics.median(w), "p95": pct(w, 95), "cpu_best": min(self.cpus) * 1000,
                "cpu_of_best": self.cpus[k] * 1000, "n": len(w), "html_kb": self.html / 1024,
                "queries": self.queries, "sql_ms": self.sql_ms, "alloc_mb": self.alloc_mb}


def verify(ours: Contender, admin: Contender, sort: str) -> tuple[list[str], int]:
    """One request each with Django's test instrumentation (response.context): same total, 50 rows
    (or all when fewer), same sort-key values in the same order."""
    from django.test.utils import setup_test_environment, teardown_test_environment

    problems = []
    setup_test_environment()
    try:
        ro, ra = ours.get(), admin.get()
        table, cl = ro.context["table"], ra.context["cl"]
        field = sort.lstrip("-")
        ours_total = ro.context["total"]
        ours_rows = [getattr(row.record, field) for row in table.page.object_list]
        admin_rows = [getattr(obj, field) for obj in cl.result_list]
        if ours_total != cl.result_count:
            problems.append(f"total: ours {ours_total:,}, admin {cl.result_count:,}")
        want = min(50, cl.result_count)
        if len(ours_rows) != want or len(admin_rows) != want:
            problems.append(f"rows shown: ours {len(ours_rows)}, admin {len(admin_rows)}, expected {want}")
        if ours_rows != admin_rows:
            problems.append(f"sort keys differ: ours {ours_rows[:5]}…, admin {admin_rows[:5]}…")
        return problems, ours_total
    finally:
        teardown_test_environment()


def run_cell(ours, admin, *, warmup, requests, budget):
    for _ in range(warmup):
        ours.get()
        admin.get()
    started = time.perf_counter()
    for i in range(requests):
        ours.timed()
        admin.timed()
        if time.perf_counter() - started > budget and i + 1 >= 5:
            break
    for c in (ours, admin):
        c.count_queries()
        c.trace_alloc()


def profile_cell(ours: Contender, top: int, out: Path, runs: int = 3):
    """cProfile of `runs` requests of our page: the top functions by cumulative time (leaving out
    the frames that hold the whole request: the test client and the middleware chain) and by own
    time; then the page's queries with their times."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ours.get()
    pr = cProfile.Profile()
    t0 = time.perf_counter()
    pr.enable()
    for _ in range(runs):
        ours.get()
    pr.disable()
    wall = (time.perf_counter() - t0) / runs * 1000
    pr.dump_stats(str(out))
    st = pstats.Stats(pr)
    total = max(v[3] for v in st.stats.values())

    def show(key, title, skip_whole=False):
        rows = sorted(st.stats.items(), key=lambda kv: kv[1][key], reverse=True)
        if skip_whole:
            rows = [r for r in rows if r[1][3] < 0.9 * total]
        print(f"\n{title}\n  {'calls':>9} {'own s':>7} {'cum s':>7} {'cum %':>6}  function")
        for (fn, line, name), (_cc, nc, tt, ct, _callers) in rows[:top]:
            where = f"{Path(fn).parent.name}/{Path(fn).name}:{line}" if fn != "~" else ""
            print(f"  {nc:>9} {tt:7.3f} {ct:7.3f} {100 * ct / total:5.1f}%  {where}({name})")

    print(f"\ncProfile of ours, {ours.url}: {runs} requests, {wall:.0f} ms each under the profiler "
          f"(saved to {out}; python -m pstats {out})")
    show(3, f"top {top} by cumulative time (frames holding ≥ 90 % of the request left out)", skip_whole=True)
    show(2, f"top {top} by own time")
    with CaptureQueriesContext(connection) as ctx:
        ours.get()
    print(f"\nits {len(ctx.captured_queries)} queries (ms, SQL):")
    for q in ctx.captured_queries:
        print(f"  {float(q['time']) * 1000:8.1f}  {q['sql'][:220]}")


# --- main -------------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--pg-url", default=province.PG_URL)
    ap.add_argument("--pages", default="projects,leads,submissions")
    ap.add_argument("--users", default="district,province")
    ap.add_argument("--province-filter", choices=["city", "district", "root"], default="city",
                    help="the unit the province-level user filters on (default: the district's city)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--requests", type=int, default=20, help="timed requests per contender and cell")
    ap.add_argument("--budget", type=float, default=120, help="stop timing a cell after S seconds (≥ 5 requests)")
    ap.add_argument("--leads", type=int, default=50000, help="leads to add when the province has none")
    ap.add_argument("--seed", type=int, default=20240331)
    ap.add_argument("--profile", metavar="PAGE:USER", help="cProfile our page, e.g. projects:province")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--show-sql", action="store_true", help="print the SQL of each page")
    ap.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    a = ap.parse_args()

    pages = [p for p in a.pages.split(",") if p]
    users = [u for u in a.users.split(",") if u]
    print(f"machine: {province.machine_facts()}; load average {province.load_average()}", flush=True)
    try:
        meta = province.ensure(a.db, pg_url=a.pg_url)
    except SystemExit as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    env = province.database_env(a.db, a.pg_url)
    for k in ("COUNTYWORKS_DATA_DIR", "DATABASE_URL", "COUNTYWORKS_LOG_LEVEL"):
        os.environ[k] = env[k]
    os.environ["DJANGO_SETTINGS_MODULE"] = "list_settings"
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    import list_settings as ls
    from django.db import connection
    from django.test import Client

    rss_setup = rss_mb()
    print(f"[{a.db}] {connection.vendor} {connection.Database.sqlite_version if a.db == 'sqlite' else ''} "
          f"— fixtures:", flush=True)
    n_leads = ensure_leads(a.leads, a.seed)
    scoped, admin_user, district, city = ensure_users()
    from countyworks.core.models import OrgUnit

    root = OrgUnit.objects.filter(parent__isnull=True).order_by("code").first()
    pfilter = {"city": city, "district": district, "root": root}[a.province_filter]
    filters = {"district": district, "province": pfilter}
    print(f"  users: district = {USERS['district']} (manager on {district.name} {district.code}, filters on it), "
          f"province = {USERS['province']} (manager on {root.name}, filters on {pfilter.name} {pfilter.code}); "
          f"admin = {ADMIN_USER} (superuser); {n_leads:,} leads", flush=True)

    backend = "django.contrib.auth.backends.ModelBackend"
    clients = {}
    for key in users:
        clients[key] = Client()
        clients[key].force_login(scoped[key], backend=backend)
    admin_client = Client()
    admin_client.force_login(admin_user, backend=backend)

    results, problems, error = [], [], False
    profile_target = tuple(a.profile.split(":")) if a.profile else None
    for page in pages:
        spec = ls.LIST_PAGES[page]
        for ukey in users:
            unit = filters[ukey]
            ours = Contender("ours", clients[ukey], f"{spec['url']}?unit={unit.pk}&sort={spec['sort']}")
            adm = Contender("admin", admin_client, f"{spec['admin_url']}?unit={unit.pk}&o={ls.admin_order_param(page)}")
            t0 = time.perf_counter()
            try:
                bad, total = verify(ours, adm, spec["sort"])
                problems += [f"{page}/{ukey}: {b}" for b in bad]
                run_cell(ours, adm, warmup=a.warmup, requests=a.requests, budget=a.budget)
            except Exception:
                traceback.print_exc()
                error = True
                continue
            o, d = ours.summary(), adm.summary()
            row = {"page": page, "user": ukey, "unit": f"{unit.name} {unit.code}", "rows": total, "ours": o,
                   "admin": d, "ratio_best": o["best"] / d["best"], "ratio_p95": o["p95"] / d["p95"],
                   "rss_mb": rss_mb(), "ours_url": ours.url, "admin_url": adm.url}
            results.append(row)
            print(f"  {page:<11} {ukey:<8} {total:>9,} rows in filter: ours best {o['best']:7.1f} ms p95 "
                  f"{o['p95']:7.1f} | admin best {d['best']:6.1f} p95 {d['p95']:6.1f} | ×{row['ratio_best']:.2f} "
                  f"| {o['html_kb']:.0f}/{d['html_kb']:.0f} KB | {o['queries']}/{d['queries']} queries "
                  f"| {o['n']} rounds, {time.perf_counter() - t0:.0f}s", flush=True)
            if a.show_sql:
                for c in (ours, adm):
                    print(f"    -- {c.name} {c.url}")
                    for q in c.sql:
                        print(f"       {q}")
            if profile_target == (page, ukey):
                profile_cell(ours, a.top, province.SQLITE_DIR / f"list_{page}_{ukey}.prof")

    # --- the table -----------------------------------------------------------------------------------
    c = meta["counts"]
    print(f"\nProvince: {c['orgunits']:,} org units, {c['projects']:,} projects, {n_leads:,} leads, "
          f"{c['submissions']:,} submissions ({a.db}); {a.requests} timed requests per contender after "
          f"{a.warmup} warm-up, interleaved; load average now {province.load_average()}")
    print(f"Peak RSS: {rss_setup:.0f} MB after django.setup(), {rss_mb():.0f} MB at the end.\n")
    hdr = ("| page | user (filter) | rows | ours best / p50 / p95 ms | ours CPU ms | admin best / p50 / p95 ms "
           "| admin CPU ms | ours/admin best | p95 | HTML KB ours / admin | queries ours / admin | SQL ms ours / admin "
           "| alloc MB ours / admin | RSS MB |")
    print(hdr)
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        o, d = r["ours"], r["admin"]
        print(f"| {r['page']} | {r['user']} ({r['unit']}) | {r['rows']:,} | {o['best']:.1f} / {o['p50']:.1f} / "
              f"{o['p95']:.1f} | {o['cpu_of_best']:.0f} | {d['best']:.1f} / {d['p50']:.1f} / {d['p95']:.1f} | "
              f"{d['cpu_of_best']:.0f} | {r['ratio_best']:.2f} | {r['ratio_p95']:.2f} | {o['html_kb']:.0f} / "
              f"{d['html_kb']:.0f} | {o['queries']} / {d['queries']} | {o['sql_ms']:.0f} / {d['sql_ms']:.0f} | {o['alloc_mb']:.1f} / "
              f"{d['alloc_mb']:.1f} | {r['rss_mb']:.0f} |")
    if a.json:
        Path(a.json).write_text(json.dumps({"db": a.db, "counts": c, "leads": n_leads, "results": results,
                                            "rss_setup_mb": rss_setup, "rss_peak_mb": rss_mb()}, indent=1, default=str))
    if problems:
        print("\nOurs and the admin disagree:")
        for p in problems:
            print(f"  {p}")
    if error:
        return 1
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
