"""Benchmark: import a generated N-row enterprises .xlsx through CountyWorks' import path
(`countyworks.core.importing.run_import("enterprises", …)`) against django-import-export
importing the same file into the same model.

Each contender runs in its own fresh child process on its own fresh SQLite database
(`migrate` first, not timed); the child times the import call only and reports wall time
and peak RSS (ru_maxrss) as JSON. See bench/README.md.

    python bench/import_enterprises.py [--rows 100000] [--skip-baseline] [--baseline-rows N]
                                       [--bulk] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

TARGET_SPEEDUP = 5.0
TARGET_RSS_MB = 400.0
# django-import-export imports every row by default (~5-6 min for 100k rows on 2 cores); with
# `--baseline-rows N` it imports only the first N rows of the same file and its time is
# extrapolated linearly to --rows (its per-row cost is flat: a SELECT and an INSERT per row).


# =========================================================================== child side


def _rss_mb() -> float:
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return kb / (1024 * 1024) if sys.platform == "darwin" else kb / 1024


def _current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def _cpu_seconds() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _loadavg() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def _django_setup() -> None:
    import django

    django.setup()


def child_ours(path: str, profile: str | None) -> dict:
    _django_setup()
    from countyworks.core.importing import run_import
    from countyworks.core.models import AuditEntry, Enterprise

    base = _rss_mb()
    out: dict = {"contender": "ours", "rss_base_mb": base}

    def one(label: str) -> None:
        with open(path, "rb") as fh:
            out[f"{label}_load_before"] = _loadavg()
            c0, t0 = _cpu_seconds(), time.perf_counter()
            report = run_import("enterprises", fh, os.path.basename(path), actor=None, commit=True)
            out[f"{label}_seconds"] = time.perf_counter() - t0
            out[f"{label}_cpu_seconds"] = _cpu_seconds() - c0
            out[f"{label}_load_after"] = _loadavg()
        out[f"{label}_rss_mb"] = _rss_mb()
        out[label] = {
            "ok": report.ok, "rows": report.total_rows, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "problems": [str(p) for p in report.problems[:5]],
            "n_problems": len(report.problems),
        }

    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
        one("first")
        prof.disable()
        prof.dump_stats(profile)
    else:
        one("first")
    one("second")
    out["db_enterprises"] = Enterprise.objects.count()
    out["db_audit_entries"] = AuditEntry.objects.count()
    out["rss_end_current_mb"] = _current_rss_mb()
    return out


def _baseline_resource():
    from import_export import fields, resources, widgets

    from countyworks.core.models import Enterprise, Industry

    sizes = {label: value for value, label in Enterprise.Size.choices}

    class SizeWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            value = (str(value).strip() if value is not None else "").removesuffix("企业")
            if not value:
                return ""
            if value not in sizes:
                raise ValueError(f"“{value}”不是有效选项")
            return sizes[value]

        def render(self, value, obj=None, **kwargs):
            return dict(Enterprise.Size.choices).get(value, "")

    class TextWidget(widgets.CharWidget):
        def clean(self, value, row=None, **kwargs):
            return "" if value is None else str(value).strip()

    class EnterpriseResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="企业名称", widget=TextWidget())
        credit_code = fields.Field(attribute="credit_code", column_name="统一社会信用代码", widget=TextWidget())
        city = fields.Field(attribute="city", column_name="所在城市", widget=TextWidget())
        industry = fields.Field(attribute="industry", column_name="产业类别",
                                widget=widgets.ForeignKeyWidget(Industry, field="name"))
        size = fields.Field(attribute="size", column_name="企业规模", widget=SizeWidget())
        contact_name = fields.Field(attribute="contact_name", column_name="联系人", widget=TextWidget())
        contact_phone = fields.Field(attribute="contact_phone", column_name="联系电话", widget=TextWidget())

        class Meta:
            model = Enterprise
            fields = ("name", "credit_code", "city", "industry", "size", "contact_name", "contact_phone")
            import_id_fields = ["credit_code"]

    return EnterpriseResource


def child_baseline(path: str, max_rows: int | None, bulk: bool) -> dict:
    _django_setup()
    import openpyxl  # noqa: F401  (imported before the clock starts, like ours' calamine)
    import tablib
    from tablib.formats import registry

    from countyworks.core.models import Enterprise

    registry.get_format("xlsx")

    resource_cls = _baseline_resource()
    if bulk:
        resource_cls.Meta.use_bulk = True
        resource_cls = type("BulkEnterpriseResource", (resource_cls,), {
            "Meta": type("Meta", (resource_cls.Meta,), {"use_bulk": True, "batch_size": 1000}),
        })
    base = _rss_mb()
    out: dict = {"contender": "django-import-export" + (" (use_bulk)" if bulk else ""), "rss_base_mb": base}
    with open(path, "rb") as fh:
        out["first_load_before"] = _loadavg()
        c0, t0 = _cpu_seconds(), time.perf_counter()
        dataset = tablib.Dataset().load(fh.read(), format="xlsx")
        t_load = time.perf_counter() - t0
        c_load = _cpu_seconds() - c0
        out["file_rows"] = len(dataset)
        if max_rows is not None and len(dataset) > max_rows:
            # time spent loading the whole file is scaled to the sample when extrapolating
            t_load *= max_rows / len(dataset)
            c_load *= max_rows / len(dataset)
            sub = tablib.Dataset(headers=dataset.headers)
            for row in dataset[:max_rows]:
                sub.append(row)
            dataset = sub
        c1, t1 = _cpu_seconds(), time.perf_counter()
        result = resource_cls().import_data(dataset, dry_run=False, raise_errors=False)
        t_import = time.perf_counter() - t1
        out["first_cpu_seconds"] = c_load + _cpu_seconds() - c1
        out["first_load_after"] = _loadavg()
    out["load_seconds"] = t_load
    out["import_seconds"] = t_import
    out["first_seconds"] = t_load + t_import
    out["first_rss_mb"] = _rss_mb()
    totals = dict(result.totals)
    out["first"] = {
        "ok": not result.has_errors() and not result.has_validation_errors(), "rows": len(dataset),
        "created": totals.get("new", 0), "updated": totals.get("update", 0), "unchanged": totals.get("skip", 0),
        "errors": totals.get("error", 0), "invalid": totals.get("invalid", 0),
        "problems": [str(e.error)[:200] for _, errs in result.row_errors()[:3] for e in errs[:1]]
        + [str(r.error_dict if hasattr(r, "error_dict") else r)[:200] for r in result.invalid_rows[:3]],
    }
    out["db_enterprises"] = Enterprise.objects.count()
    return out


def child_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("contender", choices=["ours", "baseline", "baseline-bulk"])
    parser.add_argument("file")
    parser.add_argument("--max-rows", type=int, default=None)
    parser.add_argument("--profile", default=None)
    args = parser.parse_args(argv)
    if args.contender == "ours":
        out = child_ours(args.file, args.profile)
    else:
        out = child_baseline(args.file, args.max_rows, bulk=args.contender == "baseline-bulk")
    sys.stdout.write("\n@@BENCH@@" + json.dumps(out, ensure_ascii=False) + "\n")


# =========================================================================== parent side


def run_child(contender: str, path: Path, *, max_rows: int | None = None, profile: str | None = None,
              timeout: float | None = None) -> dict:
    """Fresh temp data dir + SQLite file, `migrate -v0`, then the import in another process."""
    tmp = Path(tempfile.mkdtemp(prefix=f"cw-bench-{contender}-"))
    db = tmp / "bench.sqlite3"
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"sqlite:///{db}",  # absolute path: sqlite:////tmp/…
        "COUNTYWORKS_DATA_DIR": str(tmp / "data"),
        "DJANGO_SETTINGS_MODULE": "countyworks.settings" if contender == "ours" else "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH_DIR), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "PYTHONHASHSEED": "0",
    })
    try:
        mig = subprocess.run([sys.executable, "-m", "countyworks", "migrate", "-v0"], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        if mig.returncode != 0:
            sys.stderr.write(mig.stdout[-2000:] + mig.stderr[-6000:])
            raise RuntimeError(f"migrate failed for {contender} (exit {mig.returncode})")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", contender, str(path)]
        if max_rows is not None:
            cmd += ["--max-rows", str(max_rows)]
        if profile:
            cmd += ["--profile", profile]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        elapsed = time.perf_counter() - t0
        marker = proc.stdout.rfind("@@BENCH@@")
        if proc.returncode != 0 or marker < 0:
            sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-8000:])
            raise RuntimeError(f"{contender} child failed (exit {proc.returncode})")
        out = json.loads(proc.stdout[marker + len("@@BENCH@@"):].splitlines()[0])
        out["child_seconds"] = elapsed
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _fmt_row(cells, widths):
    return "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        child_main(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description="CountyWorks enterprise import vs django-import-export")
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the generated file (default 100000)")
    parser.add_argument("--skip-baseline", action="store_true", help="measure CountyWorks only")
    parser.add_argument("--baseline-rows", type=int, default=None,
                        help="import only the first N rows with django-import-export and extrapolate its "
                             "time linearly to --rows (default: all rows)")
    parser.add_argument("--bulk", action="store_true", help="also measure django-import-export with use_bulk=True")
    parser.add_argument("--profile", metavar="FILE.prof", help="cProfile CountyWorks' first import into FILE")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)

    from generate import ensure_xlsx

    t0 = time.perf_counter()
    path = ensure_xlsx(args.rows, args.seed)
    print(f"file: {path.relative_to(ROOT)} ({path.stat().st_size / 2**20:.1f} MB, {args.rows} rows"
          f"{', generated in %.1f s' % (time.perf_counter() - t0) if time.perf_counter() - t0 > 1 else ', cached'})")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, SQLite (fresh database per contender)\n")

    def announce(r):
        f = r["first"]
        line = (f"  → {r['contender']}: {f['rows']} rows in {r['first_seconds']:.2f} s, peak RSS "
                f"{r['first_rss_mb']:.0f} MB ({f['created']} created)")
        if "second" in r:
            line += f"; re-import {r['second_seconds']:.2f} s ({r['second']['unchanged']} unchanged)"
        print(line, flush=True)

    results = []
    print("running CountyWorks run_import …", flush=True)
    ours = run_child("ours", path, profile=args.profile)
    announce(ours)
    results.append(ours)

    base_rows = None
    baselines = []
    if not args.skip_baseline:
        base_rows = args.baseline_rows
        if not base_rows or base_rows >= args.rows:
            base_rows = None
        print(f"running django-import-export import_data ({base_rows or args.rows} rows) …", flush=True)
        kinds = ["baseline"] + (["baseline-bulk"] if args.bulk else [])
        for kind in kinds:
            if kind == "baseline-bulk":
                print(f"running django-import-export import_data use_bulk=True ({base_rows or args.rows} rows) …",
                      flush=True)
            try:
                baselines.append(run_child(kind, path, max_rows=base_rows))
                announce(baselines[-1])
            except (RuntimeError, subprocess.SubprocessError) as exc:
                print(f"  → {kind} failed: {exc}", flush=True)
        results += baselines

    # ------------------------------------------------------------------ table
    headers = ["contender", "rows", "wall s", "CPU s", "rows/s", "peak RSS MB", "RSS after setup", "load avg",
               "result"]
    table = []

    def describe(r):
        return (f"{r['created']} created, {r['updated']} updated, {r['unchanged']} unchanged"
                + (f", {r.get('errors', 0)} errors, {r.get('invalid', 0)} invalid"
                   if r.get("errors") or r.get("invalid") else "")
                + ("" if r["ok"] else f" — NOT OK: {r['problems'][:2]}"))

    def cpu(r, label="first"):
        v = r.get(f"{label}_cpu_seconds")
        return f"{v:.2f}" if v is not None else "?"

    def load(r, label="first"):
        a, b = r.get(f"{label}_load_before"), r.get(f"{label}_load_after")
        return f"{a:.1f}→{b:.1f}" if a is not None and b is not None else "?"

    for label, title in (("first", "CountyWorks run_import"), ("second", "CountyWorks re-import")):
        table.append([title, ours[label]["rows"], f"{ours[f'{label}_seconds']:.2f}", cpu(ours, label),
                      f"{ours[label]['rows'] / ours[f'{label}_seconds']:,.0f}", f"{ours[f'{label}_rss_mb']:.0f}",
                      f"{ours['rss_base_mb']:.0f}" if label == "first" else "", load(ours, label),
                      describe(ours[label])])
    extrapolated = {}
    for b in baselines:
        n = b["first"]["rows"]
        secs, cpus = b["first_seconds"], b.get("first_cpu_seconds")
        table.append([b["contender"], n, f"{secs:.2f}", cpu(b), f"{n / secs:,.0f}", f"{b['first_rss_mb']:.0f}",
                      f"{b['rss_base_mb']:.0f}", load(b), describe(b["first"])])
        scale = args.rows / n
        if n < args.rows:
            table.append([f"  ↳ extrapolated ×{scale:g}", args.rows, f"~{secs * scale:.1f}",
                          f"~{cpus * scale:.1f}" if cpus else "?", f"~{n / secs:,.0f}", "n/a", "", "",
                          "linear extrapolation from the measured rows"])
        extrapolated[b["contender"]] = (secs * scale, cpus * scale if cpus else None)
    widths = [max(len(str(row[i])) for row in [headers, *table]) for i in range(len(headers))]
    print()
    print(_fmt_row(headers, widths))
    print(_fmt_row(["-" * w for w in widths], widths))
    for row in table:
        print(_fmt_row(row, widths))
    print()
    print(f"CountyWorks: RSS after Django setup {ours['rss_base_mb']:.0f} MB → peak {ours['first_rss_mb']:.0f} MB "
          f"(import's own increment ≈ {ours['first_rss_mb'] - ours['rss_base_mb']:.0f} MB); "
          f"{ours['db_enterprises']} enterprises and {ours['db_audit_entries']} audit entries in the database")
    for b in baselines:
        print(f"{b['contender']}: tablib load {b['load_seconds']:.2f} s"
              f"{' (scaled to the sample)' if b['first']['rows'] < b['file_rows'] else ''}, "
              f"import_data {b['import_seconds']:.2f} s; {b['db_enterprises']} enterprises in the database")
    print("(CPU s = user+sys of the child during the import; on a busy machine (load avg > CPUs) compare CPU "
          "seconds, wall seconds then include waiting for a CPU.)")

    # ------------------------------------------------------------------ targets
    ok_all = True
    second = ours["second"]
    reimport_ok = second["ok"] and second["created"] == 0 and second["updated"] == 0
    first_ok = ours["first"]["ok"] and ours["first"]["created"] == args.rows
    print()
    print(f"[{'PASS' if first_ok else 'FAIL'}] first import created all {args.rows} rows")
    print(f"[{'PASS' if reimport_ok else 'FAIL'}] re-import: {second['created']} created, "
          f"{second['updated']} updated (must be 0 and 0)")
    rss_ok = ours["first_rss_mb"] <= TARGET_RSS_MB
    print(f"[{'PASS' if rss_ok else 'FAIL'}] CountyWorks peak RSS {ours['first_rss_mb']:.0f} MB ≤ {TARGET_RSS_MB:.0f} MB")
    ok_all &= first_ok and reimport_ok and rss_ok
    if not args.skip_baseline and "django-import-export" not in extrapolated:
        print("[FAIL] speed-up vs django-import-export: baseline did not run")
        ok_all = False
    for name, (est, est_cpu) in extrapolated.items():
        ratio = est / ours["first_seconds"]
        cpu_ratio = (f", {est_cpu / ours['first_cpu_seconds']:.1f}× by CPU time"
                     if est_cpu and ours.get("first_cpu_seconds") else "")
        note = " (extrapolated)" if base_rows else ""
        if name == "django-import-export":
            ok = ratio >= TARGET_SPEEDUP
            ok_all &= ok
            print(f"[{'PASS' if ok else 'FAIL'}] speed-up vs {name}{note}: {ratio:.1f}× by wall time{cpu_ratio} "
                  f"(target ≥ {TARGET_SPEEDUP:g}×)")
        else:
            print(f"[info] speed-up vs {name}{note}: {ratio:.1f}× by wall time{cpu_ratio}")
    if base_rows:
        print(f"\nNote: django-import-export imported the first {base_rows} rows of the same file; its "
              f"{args.rows}-row time is a linear extrapolation (its per-row cost is flat: one SELECT and one "
              f"INSERT per row).")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
