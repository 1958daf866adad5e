"""Crash safety of imports: SIGKILL `countyworks import` at random moments, again and again.

    uv run --frozen python bench/sigkill_import.py [--kills 50] [--rows 3000] [--seed 1]

Each round starts from the same migrated SQLite database (a copy of a pristine file) and kills
the import after a random delay between 0 and the time a whole import takes. Then it checks:
the database holds none or all of the file's enterprises (never a part), `PRAGMA integrity_check`
is ok, and `countyworks audit verify` passes (one audit entry per created row, chain intact).
Prints the rounds, how many imports were killed mid-way and how many finished first; exits 1 on any
partial import, damaged database or broken audit chain. Not collected by pytest (it takes minutes).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import ensure_xlsx  # noqa: E402


def cw(env, *args, check=True, **kw):
    return subprocess.run([sys.executable, "-m", "countyworks", *args], env=env, check=check,  # noqa: S603
                          capture_output=True, text=True, **kw)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--rows", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    xlsx = ensure_xlsx(a.rows)
    work = Path(tempfile.mkdtemp(prefix="cw-sigkill-"))
    pristine = work / "pristine.sqlite3"
    env = {**os.environ, "COUNTYWORKS_DATA_DIR": str(work / "data"), "DATABASE_URL": f"sqlite:///{pristine}",
           "DJANGO_SETTINGS_MODULE": "countyworks.settings"}
    env.pop("COUNTYWORKS_TODAY", None)
    cw(env, "migrate", "-v0")
    db = work / "round.sqlite3"
    env["DATABASE_URL"] = f"sqlite:///{db}"

    def fresh():
        # a killed round leaves its hot journal (-journal / -wal): it belongs to that round's file,
        # and SQLite would "recover" the fresh copy with it, so it goes with the old file
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(pristine, db)
        for extra in (work / "data" / "audit_checkpoints.log",):
            extra.unlink(missing_ok=True)

    fresh()  # one whole import, timed: the kills fall within it
    t0 = time.perf_counter()
    cw(env, "import", "enterprises", str(xlsx))
    full = time.perf_counter() - t0
    print(f"a whole import of {a.rows:,} rows (process start included) takes {full:.1f} s; "
          f"{a.kills} rounds, each killed after a random 0–{full:.1f} s")
    killed = finished = bad = 0
    for i in range(a.kills):
        fresh()
        proc = subprocess.Popen([sys.executable, "-m", "countyworks", "import", "enterprises", str(xlsx)],  # noqa: S603
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, full))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        else:
            finished += 1
        proc.wait()
        con = sqlite3.connect(db)
        n = con.execute("SELECT COUNT(*) FROM core_enterprise").fetchone()[0]
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        con.close()
        verify = cw(env, "audit", "verify", check=False)
        ok = n in (0, a.rows) and integrity == "ok" and verify.returncode == 0
        bad += not ok
        state = "none" if n == 0 else ("all" if n == a.rows else f"PARTIAL {n}")
        print(f"round {i + 1:3d}: {'killed' if proc.returncode == -signal.SIGKILL else 'finished'}; "
              f"enterprises: {state}; integrity {integrity}; audit {'ok' if verify.returncode == 0 else 'BROKEN'}"
              + ("" if ok else "   <-- FAIL"))
        if not ok:
            print("   " + (verify.stdout + verify.stderr).strip().replace("\n", "\n   "))
            shutil.copyfile(db, work.parent / f"cw-sigkill-fail-{i + 1}.sqlite3")
            cp = work / "data" / "audit_checkpoints.log"
            if cp.exists():
                shutil.copyfile(cp, work.parent / f"cw-sigkill-fail-{i + 1}.checkpoints")
    shutil.rmtree(work, ignore_errors=True)
    print(f"\n{a.kills} rounds: {killed} imports killed mid-way, {finished} finished before the kill; "
          f"{bad} with a partial import, a damaged database or a broken audit chain")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
