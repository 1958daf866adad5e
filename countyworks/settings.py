"""CountyWorks settings — one file, read from the environment.

Defaults give the embedded set-up: SQLite under ./data/, DEBUG off unless asked for.
`DATABASE_URL=postgres://…` switches to PostgreSQL; `COUNTYWORKS_PRODUCTION=1` turns on the
production hardening (HTTPS-only cookies, HSTS, SSL redirect) checked by `check --deploy`.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()

DATA_DIR = Path(env.str("COUNTYWORKS_DATA_DIR", default=str(Path.cwd() / "data"))).resolve()
PRODUCTION = env.bool("COUNTYWORKS_PRODUCTION", default=False)
DEBUG = env.bool("COUNTYWORKS_DEBUG", default=False)

# A development key is generated into the data folder so a fresh checkout runs; production must
# set COUNTYWORKS_SECRET_KEY.
if PRODUCTION:
    SECRET_KEY = env.str("COUNTYWORKS_SECRET_KEY")
else:
    SECRET_KEY = env.str("COUNTYWORKS_SECRET_KEY", default="") or None
    if not SECRET_KEY:
        from django.utils.crypto import get_random_string

        _key_file = DATA_DIR / "secret_key"
        try:
            SECRET_KEY = _key_file.read_text().strip()
        except OSError:
            SECRET_KEY = get_random_string(64)
            try:
                DATA_DIR.mkdir(parents=True, exist_ok=True)
                _key_file.write_text(SECRET_KEY)
            except OSError:
                pass

ALLOWED_HOSTS = env.list("COUNTYWORKS_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("COUNTYWORKS_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "bootstrap",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "countyworks.core",
    "countyworks.reporting",
    # programme apps: each registers itself with core.programmes (nav, bulletin, stats, URLs, API)
    "countyworks.investment",
    "countyworks.dispatch",
    "countyworks.rural",
    "countyworks.safety",
    "countyworks.households",
    "countyworks.demo",
    "countyworks.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "countyworks.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "countyworks.core.middleware.SessionTouchMiddleware",
    "countyworks.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "countyworks.core.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "countyworks.core.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "countyworks.urls"
WSGI_APPLICATION = "countyworks.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "countyworks.core.context_processors.navigation",
                "countyworks.core.context_processors.platform_date",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------
_default_sqlite = f"sqlite:///{DATA_DIR / 'countyworks.sqlite3'}"
DATABASES = {"default": env.db_url("DATABASE_URL", default=_default_sqlite)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions + busy timeout: concurrent writers queue instead of failing
    # with "database is locked" (DESIGN §8).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": env.str("COUNTYWORKS_TEST_SQLITE", default="")} if env.str(
        "COUNTYWORKS_TEST_SQLITE", default=""
    ) else {}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# fields.W161 fires for a time-of-day default (ReportForm.due_time = 17:00) whenever the check runs
# within ten seconds of 17:00 UTC: a false positive for a fixed time of day, which is what we mean.
SILENCED_SYSTEM_CHECKS = ["fields.W161"]

# --- auth & security -------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("COUNTYWORKS_PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: the session expires after SESSION_COOKIE_AGE seconds without a request.
SESSION_COOKIE_AGE = env.int("COUNTYWORKS_SESSION_IDLE_SECONDS", default=30 * 60)
# ...renewed by SessionTouchMiddleware at most once a minute (not a database write per page view)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_INTERVAL = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# django-axes: lock the account+address after N failures for a cool-off period.
AXES_FAILURE_LIMIT = env.int("COUNTYWORKS_LOCKOUT_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("COUNTYWORKS_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("COUNTYWORKS_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("COUNTYWORKS_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- i18n ------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
# Pin the platform's "today" (core.clock.today) for a demo on its data's date: COUNTYWORKS_TODAY=2024-03-20
COUNTYWORKS_TODAY = env.str("COUNTYWORKS_TODAY", default="")
USE_I18N = True
USE_TZ = True

# --- files -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("COUNTYWORKS_STATIC_ROOT", default=str(DATA_DIR / "static")))
# plotly.js as shipped inside the plotly package, served by the installation as
# {% static 'plotly/plotly.min.js' %} (no CDN: government networks are often offline).
# Only plotly.min.js is exposed (core/staticfinders.py), not the rest of plotly's package data.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "countyworks.core.staticfinders.PlotlyFinder",
]
MEDIA_ROOT = Path(env.str("COUNTYWORKS_MEDIA_ROOT", default=str(DATA_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": env.str("COUNTYWORKS_FILE_STORAGE", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
ATTACHMENT_MAX_BYTES = env.int("COUNTYWORKS_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
ATTACHMENT_EXTENSIONS = env.list(
    "COUNTYWORKS_ATTACHMENT_EXTENSIONS",
    default=["jpg", "jpeg", "png", "webp", "pdf", "docx", "xlsx", "xls", "doc"],
)
IMPORT_MAX_BYTES = env.int("COUNTYWORKS_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# the audit chain's HMAC key lives outside the database (required in production)
# Two-factor login (TOTP, django-otp): "required" — the 三员 and every district-level role must use
# it (others may); "optional" — anyone may; production defaults to required.
TWO_FACTOR = env.str("COUNTYWORKS_2FA", default="required" if PRODUCTION else "optional")
OTP_TOTP_ISSUER = env.str("COUNTYWORKS_2FA_ISSUER", default="CountyWorks 县区工作台")

# Spreadsheets are read in a child process under this memory ceiling (core/isolation.py)
IMPORT_MEMORY_MB = env.int("COUNTYWORKS_IMPORT_MEMORY_MB", default=1024)
IMPORT_ISOLATE = env.bool("COUNTYWORKS_IMPORT_ISOLATE", default=True)

AUDIT_KEY = env.str("COUNTYWORKS_AUDIT_KEY", default="")
AUDIT_CHECKPOINT_FILE = env.str("COUNTYWORKS_AUDIT_CHECKPOINT_FILE", default="")
AUDIT_RETENTION_DAYS = max(184, env.int("COUNTYWORKS_AUDIT_RETENTION_DAYS", default=184))

EMAIL_BACKEND = env.str("COUNTYWORKS_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DISPATCH_EMAIL_ENABLED = env.bool("COUNTYWORKS_DISPATCH_EMAIL", default=False)
DISPATCH_WEBHOOK_URL = env.str("COUNTYWORKS_DISPATCH_WEBHOOK_URL", default="")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CountyWorks API",
    "DESCRIPTION": "县区工作台 JSON API — token authentication, the same scoping as the web.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

DJANGO_TABLES2_TEMPLATE = "core/table.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("COUNTYWORKS_LOG_LEVEL", default="WARNING")},
}


# Long jobs (imports of large files) run in the background through the Tasks API (the django-tasks
# backport). "database" (the default) keeps the queue in the platform's own database — no other
# service to run; `countyworks serve` starts its worker (`countyworks db_worker`) beside the web
# server. "immediate" runs a job inside the request (tests, or a single-process install).
_TASKS_BACKEND = env.str("COUNTYWORKS_TASKS_BACKEND", default="database")
TASKS = {
    "default": {
        "BACKEND": {"database": "django_tasks_db.DatabaseBackend",
                    "immediate": "django_tasks.backends.immediate.ImmediateBackend"}[_TASKS_BACKEND],
        "QUEUES": ["default"],
    }
}
# A web import of a file larger than this runs in the background with a progress bar; a smaller one
# (a few thousand rows at most) is answered in the request.
IMPORT_INLINE_MAX_BYTES = env.int("COUNTYWORKS_IMPORT_INLINE_MAX_BYTES", default=256 * 1024)
