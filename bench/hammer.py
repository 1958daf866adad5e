"""Concurrency hammer: many clients editing the same records through the real web server.

Starts `countyworks serve` (gunicorn) on a free port against a fresh SQLite file (or, with
`--db postgres`, a fresh PostgreSQL database), loads the Jianghai demo (or, with `--world small`,
a few users and records made with the project's factories), then runs N client processes for S
seconds. Each client logs in like a browser (GET the login form, POST it with the CSRF token) as
its own account and, until the time is up, either edits one of the shared records through its
edit form (GET the form, change one field, POST every field back with the record version the page
carried) or reads a page (lists, details, the cockpit).

Every POST must either save (302) or be refused as a conflict (200 with the conflict message);
a '系统繁忙' answer (writer gave up within the busy timeout) is counted as busy. At the end the
audit log is read: for every record, the UPDATE entries of the edited field form a chain (each
entry's before-value is the previous entry's after-value, the first one's is the initial value),
hold exactly one entry per save the clients were told about, and end at the record's final value.
Anything else is a lost update. Exit 1 on a lost update, a 5xx, a 'database is locked' or a
traceback in any response.

    python3 -m uv run --frozen python bench/hammer.py                  # SQLite, demo, 8 × 30 s
    python3 -m uv run --frozen python bench/hammer.py --db postgres    # a fresh PG database
    python3 -m uv run --frozen python bench/hammer.py --world small --clients 4 --seconds 8
"""

import argparse
import http.cookiejar
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("HAMMER_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
CONFLICT_TEXT = "该记录已被他人修改"
BUSY_TEXT = "系统繁忙"
BAD_TEXTS = ("database is locked", "Traceback (most recent call last)", "OperationalError")
SMALL_PASSWORD = "Test@Pass2024"
SMALL_ACCOUNTS = ["hm_mgr1", "hm_mgr2", "hm_op1", "hm_op2", "hm_op3", "hm_op4"]


# --- inside the platform's Django (run as subprocesses with the hammer's environment) ----------------------


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyworks.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _cmd_prepare(world):
    """Migrate, build the world, print the targets (one Django start-up for all three)."""
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if world == "demo":
        call_command("load_demo")
    else:
        _small_world()
    _targets(world)


def _small_world():
    """A district with two subdistricts, two investment managers and four operators of
    subdistrict 甲 (all may edit its leads and enterprise)."""
    from countyworks.core.factories import EnterpriseFactory, UserFactory, org_tree
    from countyworks.core.models import Programme, Role, RoleKind
    from countyworks.investment.factories import LeadFactory

    tree = org_tree("a", "b")
    for name in SMALL_ACCOUNTS:
        user = UserFactory(username=name, full_name=name)
        if name.startswith("hm_mgr"):
            Role.objects.create(user=user, kind=RoleKind.MANAGER, programme=Programme.INVESTMENT, unit=tree.district)
        else:
            Role.objects.create(user=user, kind=RoleKind.OPERATOR, programme=Programme.INVESTMENT, unit=tree.a)
    ent = EnterpriseFactory(name="锤测企业")
    for i in range(2):
        LeadFactory(title=f"锤测线索{i}", unit=tree.a, enterprise=ent)


def _targets(world):
    """The shared records, their edit forms, the field each client changes and its value now;
    the accounts and the pages to read."""
    from django.urls import reverse

    from countyworks.core.models import Enterprise, User
    from countyworks.investment.models import Lead

    targets = []

    def add(obj, urlname, field):
        targets.append({"label": obj._meta.label_lower, "pk": obj.pk, "field": field,
                        "url": reverse(urlname, args=[obj.pk]), "initial": _value(obj, field)})

    leads = list(Lead.objects.order_by("pk")[:2])
    for lead in leads:
        add(lead, "investment:lead_update", "title")
    ent = leads[0].enterprise if leads else Enterprise.objects.order_by("pk").first()
    add(ent, "core:enterprise_update", "contact_name")
    reads = [reverse("investment:lead_list"), reverse("core:enterprise_list")]
    reads += [reverse("investment:lead_detail", args=[lead.pk]) for lead in leads]
    reads.append(reverse("core:enterprise_detail", args=[ent.pk]))
    if world == "demo":
        from countyworks.demo.jianghai import DEMO_PASSWORD
        from countyworks.dispatch.models import Task

        task = Task.objects.order_by("pk").first()
        if task is not None:
            add(task, "dispatch:task_update", "progress")
            reads += [reverse("dispatch:task_list"), reverse("dispatch:task_detail", args=[task.pk])]
        reads.append("/cockpit/")
        accounts = list(User.objects.filter(is_active=True).order_by("pk").values_list("username", flat=True))
        password = DEMO_PASSWORD
        editors = None  # found by trying every edit form with every account
    else:
        accounts, password = SMALL_ACCOUNTS, SMALL_PASSWORD
        editors = {a: list(range(len(targets))) for a in accounts}
    print("HAMMER-SPEC " + json.dumps({"targets": targets, "reads": reads, "accounts": accounts, "password": password,
                                       "editors": editors}))


def _value(obj, field):
    from countyworks.core.audit import snapshot

    return snapshot(obj, [field]).get(field)


def _cmd_history(spec):
    """Per target: the final value and the edited field's UPDATE entries in chain order."""
    _django()
    from django.apps import apps

    from countyworks.core.audit import audit_verify
    from countyworks.core.models import AuditAction, AuditEntry

    out = []
    for t in json.loads(spec):
        model = apps.get_model(t["label"])
        obj = model._default_manager.get(pk=t["pk"])
        entries = [
            {"seq": e.seq, "actor": e.actor_name, "change": e.changes[t["field"]]}
            for e in AuditEntry.objects.filter(object_type=t["label"], object_id=str(t["pk"]),
                                               action=AuditAction.UPDATE).order_by("seq")
            if t["field"] in (e.changes or {})
        ]
        out.append({"final": _value(obj, t["field"]), "entries": entries})
    v = audit_verify()
    print(json.dumps({"targets": out, "chain_ok": v.ok, "chain_problems": v.problems[:5]}))


# --- the hammer ---------------------------------------------------------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _inside(env, *args):
    res = subprocess.run([sys.executable, __file__, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    if res.returncode:
        raise SystemExit(f"{args[0]} failed:\n{res.stderr[-4000:]}")
    return res.stdout


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


class Browser:
    """A cookie-keeping client that does not follow redirects (a 302 is what a save answers)."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.log = []  # (kind, status, seconds, flag)

    def request(self, path, data=None, kind="read"):
        url = self.base + path
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, headers={"Referer": url, "User-Agent": "hammer"})
        t0 = time.perf_counter()
        try:
            with self.opener.open(req, timeout=60) as resp:
                status, text = resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode("utf-8", "replace")
        except OSError as exc:  # connection reset / timeout: counted as a failure the user saw
            status, text = 599, f"{type(exc).__name__}: {exc}"
        dt = time.perf_counter() - t0
        bad = next((b for b in BAD_TEXTS if b in text), "")
        busy = status == 503 or BUSY_TEXT in text
        self.log.append((kind, status, dt, bad, busy))
        return status, text

    def form_fields(self, html):
        import lxml.html

        doc = lxml.html.fromstring(html)
        forms = [f for f in doc.forms if (f.method or "GET").upper() == "POST"]
        form = max(forms, key=lambda f: len(f.inputs))
        return list(form.form_values())

    def login(self, username, password):
        status, html = self.request("/login/")
        fields = dict(self.form_fields(html))
        fields.update(username=username, password=password)
        status, _ = self.request("/login/", fields, kind="login")
        return status == 302


def _client(args):
    cid, base, account, password, targets, reads, deadline, think = args
    rnd = random.Random(cid)
    b = Browser(base)
    if not b.login(account, password):
        return {"cid": cid, "account": account, "login_failed": True, "log": b.log, "saves": [], "other": []}
    saves, other = [], []
    n = 0
    while time.time() < deadline:
        if targets and rnd.random() < 0.6:
            t = rnd.choice(targets)
            status, html = b.request(t["url"], kind="form")
            if status != 200:
                if not b.log[-1][4]:  # a busy answer is counted as such
                    other.append({"url": t["url"], "status": status, "what": "GET form"})
                continue
            fields = [(k, v) for k, v in b.form_fields(html) if k != t["field"]]
            n += 1
            value = str(cid * 100000 + n) if t["field"] == "progress" else f"锤{cid}-{n}"
            fields.append((t["field"], value))
            time.sleep(rnd.random() * think)
            status, html = b.request(t["url"], fields, kind="save")
            if status == 302:
                saves.append({"target": t["index"], "value": value, "at": time.time()})
            elif status == 200 and CONFLICT_TEXT in html:
                other.append({"what": "conflict"})
            elif BUSY_TEXT in html or status == 503:
                other.append({"what": "busy"})
            else:
                import re

                errs = re.findall(r'class="[^"]*(?:invalid-feedback|alert-danger|errorlist)[^"]*"[^>]*>(.*?)<', html, re.S)
                other.append({"what": "unexpected", "status": status, "url": t["url"], "errors": errs[:3]})
        else:
            b.request(rnd.choice(reads))
    return {"cid": cid, "account": account, "log": b.log, "saves": saves, "other": other}


def _hold_lock(env, db, after, seconds, say):
    """What a long import or restore does to everybody else: hold the database's write lock (SQLite:
    BEGIN IMMEDIATE; PostgreSQL: the audit chain head row, which every audited write takes) for
    `seconds`, starting `after` seconds into the run."""
    time.sleep(after)
    if db == "sqlite":
        import sqlite3

        conn = sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
    else:
        import psycopg

        conn = psycopg.connect(env["DATABASE_URL"])
        conn.execute("SELECT 1 FROM core_auditchainhead WHERE id = 1 FOR UPDATE")
    say(f"holding the write lock for {seconds}s")
    time.sleep(seconds)
    conn.rollback()
    conn.close()
    say("write lock released")


def _pct(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run(db="sqlite", clients=8, seconds=30, world="demo", workers=2, threads=4, think=0.05, keep=False,
        quiet=False, pg_admin=PG_ADMIN, hold_lock=0):
    """Run the hammer; returns the summary dict (summary["ok"] is the verdict)."""
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    tmp = Path(tempfile.mkdtemp(prefix="cw_hammer_"))
    env = {**os.environ, "COUNTYWORKS_DATA_DIR": str(tmp), "COUNTYWORKS_TODAY": "2024-03-29",
           "DJANGO_SETTINGS_MODULE": "countyworks.settings", "PYTHONPATH": str(ROOT)}
    for k in ("COUNTYWORKS_PRODUCTION", "COUNTYWORKS_DEBUG"):
        env.pop(k, None)
    pg_name = None
    if db == "postgres":
        import psycopg

        pg_name = f"cw_hammer_{os.getpid()}_{int(time.time())}"
        with psycopg.connect(pg_admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        env["DATABASE_URL"] = pg_admin.rsplit("/", 1)[0] + "/" + pg_name
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'hammer.sqlite3'}"
    server = None
    log = None
    try:
        try:
            t0 = time.time()
            out = _inside(env, "_prepare", world)
            spec = json.loads(out.split("HAMMER-SPEC ", 1)[1])
            t1 = time.time()
            say(f"world ready in {time.time() - t0:.0f}s ({db}, {world}): {len(spec['targets'])} shared records")

            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed below
            server = subprocess.Popen([sys.executable, "-m", "countyworks", "serve", "--bind", f"127.0.0.1:{port}",
                                       "--workers", str(workers), "--threads", str(threads)], cwd=ROOT, env=env,
                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/login/", timeout=2).read()
                    break
                except OSError:
                    if server.poll() is not None:
                        raise SystemExit("server exited:\n" + (tmp / "server.log").read_text()[-4000:]) from None
                    time.sleep(0.1)

            # who may edit what: every account tries every edit form once
            editors = spec["editors"] or {}
            for account in spec["accounts"] if not editors else ():
                b = Browser(base)
                if not b.login(account, spec["password"]):
                    continue
                can = [i for i, t in enumerate(spec["targets"]) if b.request(t["url"])[0] == 200]
                if can:
                    editors[account] = can
            if not editors:
                raise SystemExit("no account can edit the shared records")
            say(f"server up and editors probed in {time.time() - t1:.1f}s")
            names = sorted(editors, key=lambda a: -len(editors[a]))
            say(f"editors: {', '.join(f'{a}({len(editors[a])})' for a in names)}")

            load_before = os.getloadavg()[0]
            deadline = time.time() + seconds
            jobs = []
            for cid in range(1, clients + 1):
                account = names[(cid - 1) % len(names)]
                mine = [{**spec["targets"][i], "index": i} for i in editors[account]]
                jobs.append((cid, base, account, spec["password"], mine, spec["reads"], deadline, think))
            holder = None
            if hold_lock:
                import threading

                holder = threading.Thread(target=_hold_lock, args=(env, db, min(5, seconds / 4), hold_lock, say))
                holder.start()
            ctx = multiprocessing.get_context("spawn")
            with ctx.Pool(clients) as pool:
                results = pool.map(_client, jobs)
            if holder is not None:
                holder.join()
            load = (load_before, os.getloadavg()[0])
            elapsed = seconds
        finally:
            if server is not None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
            if log is not None:
                log.close()
        history = json.loads(_inside(env, "_history", json.dumps(spec["targets"])))
        server_log = (tmp / "server.log").read_text(errors="replace")
    finally:  # a failed run leaves neither its database nor its data folder behind
        if pg_name:
            import psycopg

            with psycopg.connect(pg_admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            say(f"kept {tmp}")
    return _summarise(spec, results, history, server_log, elapsed, say, db=db, clients=clients, load=load)


def _summarise(spec, results, history, server_log, elapsed, say, *, db, clients, load):
    log = [row for r in results for row in r["log"]]
    lat = [row[2] for row in log]
    save_lat = [row[2] for row in log if row[0] == "save"]
    s5xx = [row for row in log if row[1] >= 500 and not row[4]]
    bad = [row for row in log if row[3]]
    busy = sum(1 for row in log if row[4])
    conflicts = sum(1 for r in results for o in r["other"] if o["what"] == "conflict")
    unexpected = [o for r in results for o in r["other"] if o["what"] not in ("conflict", "busy")]
    login_failed = [r["account"] for r in results if r.get("login_failed")]

    lost, problems = 0, []
    per_target = []
    for i, (t, h) in enumerate(zip(spec["targets"], history["targets"], strict=True)):
        saved = [s for r in results for s in r["saves"] if s["target"] == i]
        saved_values = [s["value"] for s in saved]
        after = [e["change"][1] for e in h["entries"]]
        prev = t["initial"]
        for e in h["entries"]:
            before, aft = e["change"]
            if before != prev:
                lost += 1
                problems.append(f"{t['label']}#{t['pk']}: entry {e['seq']} starts from {before!r}, "
                                f"the previous save left {prev!r} (overwritten)")
            prev = aft
        missing = set(saved_values) - set(after)
        for v in sorted(missing):
            lost += 1
            problems.append(f"{t['label']}#{t['pk']}: saved {v!r} is not in the history")
        if len(after) != len(saved_values):
            problems.append(f"{t['label']}#{t['pk']}: {len(saved_values)} saves, {len(after)} audit entries")
            lost += max(0, len(saved_values) - len(after))
        if h["final"] != (after[-1] if after else t["initial"]):
            lost += 1
            problems.append(f"{t['label']}#{t['pk']}: final value {h['final']!r} is not the last saved one")
        per_target.append((f"{t['label']}#{t['pk']}.{t['field']}", len(saved_values), len(after)))

    # Django logs a 500 as "Internal Server Error: /path" (a busy 503, with its "database is locked"
    # traceback, as "Service Unavailable: /path"); gunicorn a dead worker as [ERROR]/[CRITICAL]
    logged_errors = [ln for ln in server_log.splitlines()
                     if any(m in ln for m in ("Internal Server Error", "[ERROR]", "[CRITICAL]"))]
    summary = {
        "db": db, "clients": clients, "seconds": elapsed, "requests": len(log),
        "saves": sum(len(r["saves"]) for r in results), "conflicts": conflicts, "busy": busy,
        "5xx": len(s5xx), "bad_bodies": len(bad), "unexpected": len(unexpected), "login_failed": login_failed,
        "p50_ms": round(_pct(lat, 50) * 1000, 1), "p95_ms": round(_pct(lat, 95) * 1000, 1),
        "save_p50_ms": round(_pct(save_lat, 50) * 1000, 1), "save_p95_ms": round(_pct(save_lat, 95) * 1000, 1),
        "max_ms": round(max(lat, default=0) * 1000, 1), "lost_updates": lost, "problems": problems,
        "audit_chain_ok": history["chain_ok"], "server_errors_logged": len(logged_errors),
        "per_target": per_target, "load": load,
    }
    summary["ok"] = (not lost and not s5xx and not bad and not unexpected and not login_failed
                     and history["chain_ok"] and not logged_errors)
    rows = [("database", db), ("clients × seconds", f"{clients} × {elapsed}"), ("requests", summary["requests"]),
            ("req/s", f"{summary['requests'] / elapsed:.0f}"),
            ("saves (302)", summary["saves"]), ("conflicts (refused, 200)", conflicts), ("busy answers", busy),
            ("5xx", summary["5xx"]), ("'database is locked' / traceback in a body", summary["bad_bodies"]),
            ("unexpected answers", summary["unexpected"]),
            ("latency p50 / p95 / max (all)", f"{summary['p50_ms']} / {summary['p95_ms']} / {summary['max_ms']} ms"),
            ("latency p50 / p95 (saves)", f"{summary['save_p50_ms']} / {summary['save_p95_ms']} ms"),
            ("lost updates", lost), ("audit chain verifies", "yes" if history["chain_ok"] else "NO"),
            ("errors in the server log", len(logged_errors)),
            ("load average before / after (CPUs)", f"{load[0]:.1f} / {load[1]:.1f} ({os.cpu_count()})")]
    width = max(len(k) for k, _ in rows)
    say("")
    for k, v in rows:
        say(f"  {k:<{width}}  {v}")
    for name, n_saved, n_entries in per_target:
        say(f"    {name}: {n_saved} saves, {n_entries} audit entries")
    for p in problems[:20]:
        say(f"  LOST: {p}")
    for o in unexpected[:10]:
        say(f"  UNEXPECTED: {o}")
    for ln in logged_errors[:10]:
        say(f"  SERVER: {ln[:300]}")
    for p in history["chain_problems"]:
        say(f"  CHAIN: {p}")
    say("  verdict: " + ("OK" if summary["ok"] else "FAILED"))
    return summary


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_prepare":
        return _cmd_prepare(argv[1])
    if argv and argv[0] == "_history":
        return _cmd_history(argv[1])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=int, default=30)
    p.add_argument("--world", choices=["demo", "small"], default="demo")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (countyworks serve's default)")
    p.add_argument("--threads", type=int, default=4, help="threads per worker (countyworks serve's default)")
    p.add_argument("--think", type=float, default=0.05, help="max seconds between reading a form and saving it")
    p.add_argument("--hold-lock", type=float, default=0, metavar="SECONDS",
                   help="meanwhile hold the database's write lock this long (a long import): writers must wait "
                        "or be told 系统繁忙, never get a 500")
    p.add_argument("--keep", action="store_true", help="keep the data folder (server log, SQLite file)")
    a = p.parse_args(argv)
    summary = run(db=a.db, clients=a.clients, seconds=a.seconds, world=a.world, workers=a.workers,
                  threads=a.threads, think=a.think, keep=a.keep, hold_lock=a.hold_lock)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
