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


def test_scripts_come_only_from_our_static_files(client):
    """CSP script-src 'self': no inline script runs, none is loaded from elsewhere."""
    csp = client.get("/login/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"


def test_no_template_has_inline_script_or_handler():
    """What the CSP would block, found before a user meets a dead button: inline event handlers,
    javascript: URLs and executable inline <script> elements (JSON data islands are fine)."""
    import re
    from pathlib import Path

    import countyworks

    root = Path(countyworks.__file__).parent
    handler = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I)
    bad = []
    for path in root.rglob("*.html"):
        if "/tests/" in str(path):
            continue
        text = path.read_text(encoding="utf-8")
        for pattern, what in ((handler, "inline handler"), (re.compile("javascript:", re.I), "javascript: URL"),
                              (inline_script, "inline <script>")):
            for m in pattern.finditer(text):
                line = text[: m.start()].count("\n") + 1
                bad.append(f"{path.relative_to(root)}:{line}: {what}")
    assert not bad, "\n".join(bad)
