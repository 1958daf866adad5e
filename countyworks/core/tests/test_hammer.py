"""A bounded run of bench/hammer.py: four clients edit the same records through the real server
(gunicorn, a fresh database of the suite's engine: SQLite, or PostgreSQL when DATABASE_URL says
so) for eight seconds. Every save must be in the audit history, chained to the one before, and no
request may end in a 5xx, a 'database is locked' or a traceback."""

import importlib
import os
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client

from countyworks.core.factories import user_with_role

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
    assert summary["saves"] >= 4
    assert summary["conflicts"] >= 1
    assert summary["ok"]


# --- what the hammer found: a writer that outwaited SQLite's busy timeout got a 500 ------------------------


def _locked(*args, **kwargs):
    raise OperationalError("database is locked")


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["view", "session save"])
def test_a_database_busy_past_its_timeout_answers_busy_not_500(where, monkeypatch):
    """A write that waited the whole busy timeout (a long import holds SQLite's write lock) is told
    '系统繁忙，请稍后重试' (503, Retry-After), wherever it happened: in the view or in the session
    save of the response middleware."""
    client = Client(raise_request_exception=False)
    client.force_login(user_with_role())
    if where == "view":
        monkeypatch.setattr("countyworks.core.views.render", _locked)
    else:
        monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.save", _locked)
    resp = client.get("/")
    assert resp.status_code == 503
    assert "系统繁忙，请稍后重试" in resp.content.decode()
    assert resp["Retry-After"]
    assert "database is locked" not in resp.content.decode()


@pytest.mark.django_db
def test_other_database_errors_stay_500(monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(user_with_role())

    def broken(*args, **kwargs):
        raise OperationalError("no such table: core_orgunit")

    monkeypatch.setattr("countyworks.core.views.render", broken)
    resp = client.get("/")
    assert resp.status_code == 500
    assert "系统繁忙" not in resp.content.decode()
