"""Response headers and shipped files that an attacker would look at first."""

import subprocess
from pathlib import Path

import pytest


@pytest.mark.django_db
def test_every_page_forbids_framing_and_powerful_features(client):
    r = client.get("/login/")
    assert r.status_code == 200
    assert "frame-ancestors 'none'" in r["Content-Security-Policy"]
    assert "object-src 'none'" in r["Content-Security-Policy"]
    assert "camera=()" in r["Permissions-Policy"]


def test_no_secret_key_is_tracked_in_the_repository():
    root = Path(__file__).resolve().parents[3]
    try:
        tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    assert not [p for p in tracked.splitlines() if p.endswith("secret_key")]
