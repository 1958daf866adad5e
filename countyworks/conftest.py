import pytest
from hypothesis import HealthCheck, settings

pytest_plugins = ["countyworks.browser_fixtures"]

# Property tests judge the code, not the machine: on a loaded 2-core CI box input generation can be
# slow, which is no failure of ours.
settings.register_profile("countyworks", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("countyworks")


@pytest.fixture(autouse=True)
def _media_and_data(settings, tmp_path):
    """Uploaded files and import scratch files go to a per-test folder; PBKDF2 at production
    strength costs ~0.5 s per account and tests create many, so tests hash with MD5."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path / "data"
    settings.AXES_ENABLED = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # tests run inside one transaction that never commits: checkpoint the audit chain at once
    settings.AUDIT_CHECKPOINT_ON_COMMIT = False
    # background jobs run at once, inside the request (a test of the queue itself sets the database backend)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def org_tree(db):
    """The shared org tree (core.factories.org_tree): district → 甲街道 (甲一村, 甲二社区), 乙街道
    (乙一村), 测试局 → 测试检查组. App fixtures build their worlds on the same builder."""
    from countyworks.core.factories import org_tree as build

    return build()


def pytest_terminal_summary(terminalreporter):
    from countyworks.core.testing import MATRIX

    if MATRIX["pairs"]:
        terminalreporter.write_line(f"[permission matrix] {MATRIX['pairs']} (URL, role of another unit) pairs checked")
