"""A bounded run of bench/hammer.py: four clients edit the same records through the real server
(gunicorn, a fresh database of the suite's engine: SQLite, or PostgreSQL when DATABASE_URL says
so) for eight seconds. Every save must be in the audit history, chained to the one before, and no
request may end in a 5xx, a 'database is locked' or a traceback."""

import importlib
import os
import sys
from pathlib import Path

from django.conf import settings

BENCH = Path(__file__).resolve().parents[3] / "bench"


def _hammer():
    # imported by its name from bench/ so the client processes (spawned) can import it too
    if str(BENCH) not in sys.path:
        sys.path.append(str(BENCH))
    return importlib.import_module("hammer")


def test_concurrent_edits_lose_nothing_and_never_fail():
    hammer = _hammer()
    kwargs = {}
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        url = os.environ["DATABASE_URL"]
        kwargs = {"db": "postgres", "pg_admin": url.rsplit("/", 1)[0] + "/postgres"}
    summary = hammer.run(clients=4, seconds=8, world="small", quiet=True, **kwargs)
    assert summary["lost_updates"] == 0, summary["problems"]
    assert summary["5xx"] == 0
    assert summary["bad_bodies"] == 0
    assert summary["server_errors_logged"] == 0
    assert summary["unexpected"] == 0
    assert summary["audit_chain_ok"]
    # the race was really run: several saves, and some of them refused as conflicts
    assert summary["saves"] >= 10
    assert summary["conflicts"] >= 1
    assert summary["ok"]
