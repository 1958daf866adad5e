"""Pytest plugin: Playwright (sync API) fixtures driving Debian's /usr/bin/chromium.

Registered from countyworks/conftest.py (`pytest_plugins`). The browser is never downloaded
(`playwright install` is not used): `make browser-deps` installs Debian's chromium. Without it the
browser tests skip — except under CI=true, where a missing browser is a failure.

Screenshots of key pages are written to test-results/screenshots/ when SCREENSHOTS=1.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in the test thread; Django's ORM would otherwise refuse
# synchronous queries made from the test body (seeding data, assertions on the database).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = Path(__file__).resolve().parent.parent / "test-results" / "screenshots"
DEFAULT_TIMEOUT_MS = 10_000


def _require_chromium():
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing — run `make browser-deps` (Debian chromium) for the browser tests"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI=true: a missing browser is an error, not a skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the dev group installs it
        if os.environ.get("CI") == "true":
            pytest.fail(f"playwright is not installed: {exc}", pytrace=False)
        pytest.skip(f"playwright is not installed: {exc}")
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception:
        pw.stop()
        raise
    yield browser
    browser.close()
    pw.stop()


def _new_page(browser, **context_kwargs):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True,
                                  **context_kwargs)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    # every browser test is also a Content-Security-Policy test: what the policy refused (an inline
    # handler, a string evaluated as code, a script from elsewhere) fails the test at teardown
    page.csp_violations = []
    page.on("console", lambda msg: page.csp_violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    return context, page


def _close(context, page):
    violations = list(page.csp_violations)
    context.close()
    assert not violations, "the page broke its Content-Security-Policy:\n" + "\n".join(violations[:10])


@pytest.fixture
def page(browser):
    context, page = _new_page(browser, viewport={"width": 1280, "height": 800})
    yield page
    _close(context, page)


@pytest.fixture
def phone_page(browser):
    context, page = _new_page(browser, viewport={"width": 360, "height": 740}, device_scale_factor=2,
                              is_mobile=True, has_touch=True)
    yield page
    _close(context, page)


def login(page, live_server, username, password, *, expect_success=True):
    """Log in through the login form. With expect_success, wait until the home page is shown."""
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    if expect_success:
        assert page.url.rstrip("/") == live_server.url.rstrip("/"), f"login as {username} failed: {page.url}"
    return page


@pytest.fixture(name="login")
def login_fixture():
    """The `login(page, live_server, username, password)` helper as a fixture."""
    return login


def screenshot(page, name):
    """Save a full-page screenshot to test-results/screenshots/NAME.png when SCREENSHOTS=1."""
    if os.environ.get("SCREENSHOTS") != "1":
        return None
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(name="screenshot")
def screenshot_fixture():
    return screenshot
