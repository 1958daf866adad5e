"""Profile CountyWorks' enterprise import (CPU with cProfile, or memory with tracemalloc).

    python bench/profile_ours.py --rows 20000 --cpu        # top functions by cumulative / own time
    python bench/profile_ours.py --rows 20000 --mem        # allocations alive at the peak, by line

Runs in this process on a fresh temporary SQLite database (migrated first, not profiled).
The memory mode takes a tracemalloc snapshot each time a bulk_create starts and keeps the
largest one (the import's peak is just before the audit entries are inserted).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--cpu", action="store_true")
    parser.add_argument("--mem", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--out", default=str(BENCH_DIR / "out" / "ours.prof"))
    args = parser.parse_args()
    if not (args.cpu or args.mem):
        args.cpu = True

    from generate import ensure_xlsx

    path = ensure_xlsx(args.rows)
    tmp = tempfile.mkdtemp(prefix=f"cw-profile-{os.getpid()}-")
    os.environ.update({
        "DATABASE_URL": f"sqlite:///{tmp}/profile.sqlite3",
        "COUNTYWORKS_DATA_DIR": f"{tmp}/data",
        "DJANGO_SETTINGS_MODULE": "countyworks.settings",
    })
    subprocess.run([sys.executable, "-m", "countyworks", "migrate", "-v0"], cwd=ROOT, check=True)

    import django

    django.setup()
    from countyworks.core.importing import run_import

    def once():
        with open(path, "rb") as fh:
            report = run_import("enterprises", fh, path.name, actor=None, commit=True)
        assert report.ok, report.problems[:3]
        return report

    if args.cpu:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.runcall(once)
        prof.dump_stats(args.out)
        stats = pstats.Stats(args.out)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        print(f"profile saved to {args.out}")
    else:
        import tracemalloc

        from django.db.models.query import QuerySet

        best: dict = {"size": 0, "snap": None, "where": ""}
        original = QuerySet.bulk_create

        def spy(self, objs, *a, **kw):
            size = tracemalloc.get_traced_memory()[0]
            if size > best["size"]:
                best.update(size=size, snap=tracemalloc.take_snapshot(), where=self.model.__name__)
            return original(self, objs, *a, **kw)

        QuerySet.bulk_create = spy
        tracemalloc.start(8)
        once()
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        QuerySet.bulk_create = original
        print(f"tracemalloc peak {peak / 2**20:.1f} MB for {args.rows} rows; "
              f"largest snapshot {best['size'] / 2**20:.1f} MB at {best['where']}.bulk_create")
        snap = best["snap"].filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        print("\n-- by line")
        for stat in snap.statistics("lineno")[: args.top]:
            print(f"{stat.size / 2**20:8.1f} MB {stat.count:9d} blocks  {stat.traceback[0]}")
        print("\n-- by calling line inside countyworks (first countyworks frame of each traceback)")
        agg: dict = {}
        for stat in snap.statistics("traceback"):
            frame = next((f for f in stat.traceback if "/countyworks/" in f.filename), stat.traceback[0])
            key = f"{os.path.relpath(frame.filename, ROOT)}:{frame.lineno}"
            agg[key] = agg.get(key, 0) + stat.size
        for key, size in sorted(agg.items(), key=lambda kv: -kv[1])[: args.top]:
            print(f"{size / 2**20:8.1f} MB  {key}")


if __name__ == "__main__":
    try:
        main()
    finally:
        import glob
        import shutil

        for d in glob.glob(os.path.join(tempfile.gettempdir(), f"cw-profile-{os.getpid()}-*")):
            shutil.rmtree(d, ignore_errors=True)
