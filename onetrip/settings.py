"""Settings come from environment variables with safe defaults for a laptop demo."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ONETRIP_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("ONETRIP_DEBUG", False)
SECRET_KEY = os.environ.get("ONETRIP_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
ALLOWED_HOSTS = os.environ.get("ONETRIP_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "onetrip.core",
    "onetrip.accounts",
    "onetrip.audit",
    "onetrip.datahub",
    "onetrip.catalog",
    "onetrip.notify",
    "onetrip.cases",
    "onetrip.portal",
    "onetrip.workbench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "onetrip.urls"
WSGI_APPLICATION = "onetrip.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "portal:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "onetrip" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# SQLite file under var/ by default; PostgreSQL with DATABASE_URL=postgres://...
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'onetrip.sqlite3'}")
# Lets several test runs share one machine without sharing a test database.
_TEST_SUFFIX = os.environ.get("ONETRIP_TEST_DB_SUFFIX", "")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run while one writer commits; IMMEDIATE avoids upgrade deadlocks.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_onetrip{_TEST_SUFFIX}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_onetrip{_TEST_SUFFIX}"}
    # A new PostgreSQL connection per request costs 5-8 ms here: keep them (MACHINE-NOTES).
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("ONETRIP_CONN_MAX_AGE", "600"))
    # A health check costs a `SELECT 1` on every request (measured: -15 % on reads); off by
    # default, on where connections may be cut behind the app's back (pgbouncer, failover).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("ONETRIP_CONN_HEALTH_CHECKS", False)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "onetrip" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from finders; the folder must exist
# The pages' CSS and the vendored HTMX (no CDN: nothing is fetched at run time).
STATICFILES_DIRS = [BASE_DIR / "onetrip" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Uploaded materials: size cap and accepted types (checked by the case service, not the view).
ONETRIP_MAX_UPLOAD_BYTES = int(os.environ.get("ONETRIP_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
ONETRIP_ALLOWED_UPLOAD_TYPES = {
    "application/pdf": b"%PDF",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG",
}
DATA_UPLOAD_MAX_MEMORY_SIZE = ONETRIP_MAX_UPLOAD_BYTES + 1024 * 1024

# Ingestion (归集): the largest file a steward may load, rows checked between two progress
# writes, how often a running load shows it is alive, after how long without a sign of life
# it is taken for dead (its process was killed), and how often an idle worker looks for work.
ONETRIP_INGEST_MAX_BYTES = int(os.environ.get("ONETRIP_INGEST_MAX_BYTES", str(512 * 1024 * 1024)))
ONETRIP_INGEST_BATCH_ROWS = int(os.environ.get("ONETRIP_INGEST_BATCH_ROWS", "5000"))
ONETRIP_INGEST_HEARTBEAT_SECONDS = float(os.environ.get("ONETRIP_INGEST_HEARTBEAT_SECONDS", "15"))
ONETRIP_INGEST_STALE_SECONDS = float(os.environ.get("ONETRIP_INGEST_STALE_SECONDS", "180"))
ONETRIP_INGEST_POLL_SECONDS = float(os.environ.get("ONETRIP_INGEST_POLL_SECONDS", "2"))

# Applying reads the implementation, its materials and rules from a per-process cache this
# many seconds old at most (0: always from the database).
# Data vault: how far ahead a consent may run; working days a steward has to answer a
# correction request (the rule text names no number: [check] with the province).
ONETRIP_CONSENT_MAX_DAYS = int(os.environ.get("ONETRIP_CONSENT_MAX_DAYS", "365"))
ONETRIP_CORRECTION_DAYS = int(os.environ.get("ONETRIP_CORRECTION_DAYS", "5"))

ONETRIP_CATALOG_CACHE_SECONDS = int(os.environ.get("ONETRIP_CATALOG_CACHE_SECONDS", "30"))

# Password guessing: this many failed logins for one identity lock it for this long.
ONETRIP_LOGIN_MAX_FAILURES = int(os.environ.get("ONETRIP_LOGIN_MAX_FAILURES", "5"))
ONETRIP_LOGIN_LOCK_MINUTES = int(os.environ.get("ONETRIP_LOGIN_LOCK_MINUTES", "15"))

# Yellow SLA state starts when this share of the time limit is left (RULES: 20 %).
ONETRIP_SLA_YELLOW_SHARE = float(os.environ.get("ONETRIP_SLA_YELLOW_SHARE", "0.2"))

# Mounts the bench-only endpoints (onetrip.core.api_bench) under /api/v1; never in production.
ONETRIP_BENCH_ENDPOINTS = env_bool("ONETRIP_BENCH_ENDPOINTS", False)

# Plug-in points: dotted paths of the classes each registry loads.
ONETRIP_NOTIFY_CHANNELS = os.environ.get("ONETRIP_NOTIFY_CHANNELS", "in_app,sms,email").split(",")
ONETRIP_CREDIT_CHECKER = os.environ.get("ONETRIP_CREDIT_CHECKER", "no_record")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "onetrip": {"handlers": ["console"], "level": os.environ.get("ONETRIP_LOG_LEVEL", "INFO")},
    },
}
