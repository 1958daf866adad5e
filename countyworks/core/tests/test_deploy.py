"""The production settings pass Django's deployment checks (HTTPS-only cookies, HSTS, …)."""

import os
import secrets
import subprocess
import sys


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {**os.environ, "COUNTYWORKS_PRODUCTION": "1", "COUNTYWORKS_SECRET_KEY": secrets.token_urlsafe(60),
           "COUNTYWORKS_ALLOWED_HOSTS": "cw.example.gov.cn", "COUNTYWORKS_DATA_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser-test plugin for Playwright only
    proc = subprocess.run([sys.executable, "-m", "countyworks", "check", "--deploy", "--fail-level", "WARNING"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout
