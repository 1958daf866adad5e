import pytest

pytest_plugins = ["countyworks.browser_fixtures"]


@pytest.fixture(autouse=True)
def _media_and_data(settings, tmp_path):
    """Uploaded files and import scratch files go to a per-test folder; PBKDF2 at production
    strength costs ~0.5 s per account and tests create many, so tests hash with MD5."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path / "data"
    settings.AXES_ENABLED = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
