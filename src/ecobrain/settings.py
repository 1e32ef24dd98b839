"""The one settings module. Every value comes from an ECOBRAIN_* environment variable (see docs/configuration.md)."""

from __future__ import annotations

import os
from pathlib import Path

from django.utils.translation import gettext_lazy

from ecobrain.core.env import (
    ConfigError,
    data_dir,
    env_bool,
    env_int,
    env_list,
    env_str,
    parse_database_url,
    secret_key,
)
from ecobrain.notifications.config import parse_base_url, parse_email_from, parse_smtp_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = data_dir()

# Tests (pytest sets PYTEST_VERSION) and `ecobrain demo` may create the key under DATA_DIR; production must set it.
_may_generate_key = bool(os.environ.get("PYTEST_VERSION")) or env_bool("ECOBRAIN_DEMO")
SECRET_KEY = secret_key(DATA_DIR, allow_generate=_may_generate_key)

DEBUG = env_bool("ECOBRAIN_DEBUG", False)
PORT = env_int("ECOBRAIN_PORT", 8000, minimum=1, maximum=65535)
# TCP port of the HJ 212 gateway (`ecobrain gateway`, docs/hj212.md "Gateway").
HJ212_PORT = env_int("ECOBRAIN_HJ212_PORT", 9212, minimum=1, maximum=65535)
# MQTT ingest (`ecobrain mqtt`, docs/ingest.md): mqtt:// or mqtts:// broker URL (user:password@ allowed), client id.
MQTT_URL = env_str("ECOBRAIN_MQTT_URL", "mqtt://127.0.0.1:1883")
MQTT_CLIENT_ID = env_str("ECOBRAIN_MQTT_CLIENT_ID", "ecobrain-ingest")
HOST = env_str("ECOBRAIN_HOST", "127.0.0.1")
# Threads of the web server in `ecobrain serve` (waitress); each open page holds one for its live notification stream
# (at most NOTIFY_STREAMS of them), so this is larger than the handful a request-only site needs.
WEB_THREADS = env_int("ECOBRAIN_WEB_THREADS", 32, minimum=4, maximum=512)
# The address people open the platform at (https://eco.example.gov.cn): links in emails and SMS are made absolute on it.
BASE_URL = parse_base_url(env_str("ECOBRAIN_BASE_URL"))
ALLOWED_HOSTS = env_list("ECOBRAIN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("ECOBRAIN_CSRF_TRUSTED_ORIGINS", [])

# Maps: no base map by default (public display in China needs an approved one). A WGS84/CGCS2000 tile
# service, e.g. Tianditu's with the bureau's key, can be named here ({z}/{x}/{y} template).
MAP_TILE_URL = env_str("ECOBRAIN_MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("ECOBRAIN_MAP_TILE_ATTRIBUTION", "")

# The issuer printed on the reports (日报, 月报).
BUREAU_NAME = env_str("ECOBRAIN_BUREAU_NAME", "咸阳市生态环境局")
# The public portal's and the mobile web app's name (the installable app's title on a phone).
PUBLIC_SITE_NAME = env_str("ECOBRAIN_PUBLIC_SITE_NAME", "生态咸阳")
# Base data: which city this deployment serves (a different city is a different file, not a code change).
CITY_BOUNDARIES = env_str("ECOBRAIN_CITY_BOUNDARIES", str(BASE_DIR / "core" / "data" / "xianyang_districts.geojson"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "ecobrain.core",
    "ecobrain.accounts",
    "ecobrain.audit",
    "ecobrain.registry",
    "ecobrain.monitoring",
    "ecobrain.ingest",
    "ecobrain.assessment",
    "ecobrain.notifications",
    "ecobrain.alarms",
    "ecobrain.workorders",
    "ecobrain.complaints",
    "ecobrain.portal",
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
    "ecobrain.audit.middleware.ChangeActorMiddleware",
]

ROOT_URLCONF = "ecobrain.urls"
WSGI_APPLICATION = "ecobrain.wsgi.application"

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
                "ecobrain.core.context_processors.site",
                "ecobrain.notifications.context_processors.inbox",
            ],
        },
    }
]

DATABASES = {"default": parse_database_url(env_str("ECOBRAIN_DATABASE_URL"), DATA_DIR).as_django()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["ecobrain.accounts.backends.ThrottledModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: after LOGIN_MAX_FAILURES failures the account (and the client address) is locked,
# for LOGIN_LOCK_SECONDS doubling with each further failure, up to LOGIN_LOCK_MAX_SECONDS.
LOGIN_MAX_FAILURES = env_int("ECOBRAIN_LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCK_SECONDS = env_int("ECOBRAIN_LOGIN_LOCK_SECONDS", 60, minimum=1)
LOGIN_LOCK_MAX_SECONDS = env_int("ECOBRAIN_LOGIN_LOCK_MAX_SECONDS", 3600, minimum=1)

# Sessions and cookies. Behind TLS set ECOBRAIN_HTTPS=1 for Secure cookies, HSTS and the proxy header.
HTTPS = env_bool("ECOBRAIN_HTTPS", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("ECOBRAIN_SESSION_SECONDS", 8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("ECOBRAIN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("ECOBRAIN_HSTS_SECONDS", 31536000, minimum=0)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"  # display; the database stores UTC (USE_TZ)
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"  # `ecobrain collectstatic` target; whitenoise also serves from the finders
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

# Uploads: imports larger than this are refused with a message, never read into memory.
MAX_UPLOAD_BYTES = env_int("ECOBRAIN_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Work-order attachments (docs/workorders.md "Attachments"): the largest photo or document accepted, in MB.
UPLOAD_MAX_MB = env_int("ECOBRAIN_UPLOAD_MAX_MB", 10, minimum=1, maximum=1024)

# Cache: rate-limit counters and the public portal's cached pages. One process (the default `ecobrain serve`) keeps
# them in memory; several web processes share them through the database (ECOBRAIN_CACHE=db, after running
# `ecobrain createcachetable` once).
CACHE_KIND = env_str("ECOBRAIN_CACHE", "memory")
if CACHE_KIND not in {"memory", "db"}:
    raise ConfigError(f"ECOBRAIN_CACHE={CACHE_KIND!r} is not known: use memory or db.")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ecobrain",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
        if CACHE_KIND == "memory"
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "ecobrain_cache"}
    )
}
# Public portal (docs/portal.md): how long an anonymous page is served from the cache, in seconds.
PORTAL_CACHE_SECONDS = env_int("ECOBRAIN_PORTAL_CACHE_SECONDS", 60, minimum=0, maximum=3600)

# Complaints (docs/complaints.md). Per client address: complaints filed per hour and per day, tracking-page
# lookups per minute (a tracking number is short; the limit keeps it from being guessed).
COMPLAINT_RATE_PER_HOUR = env_int("ECOBRAIN_COMPLAINT_RATE_PER_HOUR", 5, minimum=1)
COMPLAINT_RATE_PER_DAY = env_int("ECOBRAIN_COMPLAINT_RATE_PER_DAY", 20, minimum=1)
COMPLAINT_TRACK_RATE_PER_MINUTE = env_int("ECOBRAIN_COMPLAINT_TRACK_RATE_PER_MINUTE", 30, minimum=1)
COMPLAINT_MAX_PHOTOS = env_int("ECOBRAIN_COMPLAINT_MAX_PHOTOS", 4, minimum=0, maximum=9)
COMPLAINT_PHOTO_MAX_MB = env_int("ECOBRAIN_COMPLAINT_PHOTO_MAX_MB", 5, minimum=1, maximum=50)
# Likely duplicates: same category within this distance (metres) and this many days.
COMPLAINT_DUPLICATE_METRES = env_int("ECOBRAIN_COMPLAINT_DUPLICATE_METRES", 300, minimum=1)
COMPLAINT_DUPLICATE_DAYS = env_int("ECOBRAIN_COMPLAINT_DUPLICATE_DAYS", 7, minimum=1)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ecobrain.accounts.authentication.APITokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ecobrain.core.api.GatePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "ecobrain.core.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ecobrain.core.api.exception_handler",
    # Anonymous callers (schema, docs, failed authentication) are rate-limited per address.
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env_str("ECOBRAIN_API_ANON_RATE", "120/min")},
}
# django-filter: the empty choice of a select filter reads 全部 ("all"), translated with the page.
FILTERS_EMPTY_CHOICE_LABEL = gettext_lazy("全部")

SPECTACULAR_SETTINGS = {
    "TITLE": "EcoBrain API",
    "DESCRIPTION": (
        "生态环境智慧大脑 API. Authenticate with `Authorization: Token <key>` (`ecobrain token create USER`)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One enum for the GB 3838 classes wherever they appear (a station's target, a section-month's class).
    "ENUM_NAME_OVERRIDES": {
        "WaterClassEnum": "ecobrain.registry.choices.WaterClass",
        "WorkOrderStatusEnum": "ecobrain.workorders.choices.WorkOrderStatus",
        "ExtensionStatusEnum": "ecobrain.workorders.choices.ExtensionStatus",
        # Alarms: "kind" and "status" are common field names; name these sets after what they are.
        "AlarmStatusEnum": "ecobrain.alarms.choices.AlarmStatus",
        "AlarmRuleKindEnum": "ecobrain.alarms.choices.RuleKind",
        "AlarmEventKindEnum": "ecobrain.alarms.choices.AlarmEventKind",
    },
}

# Device sessions (docs/hj212.md, "Gateway"): a device is offline after this many expected intervals without
# data or heartbeat; the interval is learned from its traffic, DEFAULT_INTERVAL (seconds) until then.
DEVICE_OFFLINE_INTERVALS = env_int("ECOBRAIN_DEVICE_OFFLINE_INTERVALS", 3, minimum=1)
DEVICE_DEFAULT_INTERVAL = env_int("ECOBRAIN_DEVICE_DEFAULT_INTERVAL", 3600, minimum=30, maximum=86400)
# The gateway closes a connection after this many packets with an unknown MN or a wrong PW on it.
HJ212_MAX_AUTH_FAILURES = env_int("ECOBRAIN_HJ212_MAX_AUTH_FAILURES", 3, minimum=1)
# Host → device commands: wait TIMEOUT s for the 9011 answer, re-send up to RETRIES times (HJ 212-2017 Table 1:
# 10 s and 3 for GPRS/CDMA/LTE…, 5 s and 3 for ADSL); after a 9011, wait EXEC_TIMEOUT s for the 9012 result
# (the standard names no figure); a command for a device that is not connected expires after EXPIRE_SECONDS.
HJ212_COMMAND_TIMEOUT = env_int("ECOBRAIN_HJ212_COMMAND_TIMEOUT", 10, minimum=1, maximum=600)
HJ212_COMMAND_RETRIES = env_int("ECOBRAIN_HJ212_COMMAND_RETRIES", 3, minimum=0, maximum=10)
HJ212_COMMAND_EXEC_TIMEOUT = env_int("ECOBRAIN_HJ212_COMMAND_EXEC_TIMEOUT", 600, minimum=1, maximum=86400)
HJ212_COMMAND_EXPIRE_SECONDS = env_int("ECOBRAIN_HJ212_COMMAND_EXPIRE_SECONDS", 86400, minimum=60)

# Device access passwords are encrypted at rest with a key derived from this (or SECRET_KEY when unset).
FIELD_ENCRYPTION_KEY = env_str("ECOBRAIN_FIELD_ENCRYPTION_KEY", SECRET_KEY)

# QC rule parameters: a JSON file that changes the defaults per factor (docs/monitoring.md "QC rules").
QC_RULES_FILE = env_str("ECOBRAIN_QC_RULES_FILE", "")
# Raw packet archive: packets older than this many days are deleted by a daily job; 0 keeps them forever.
ARCHIVE_RETENTION_DAYS = env_int("ECOBRAIN_ARCHIVE_RETENTION_DAYS", 400, minimum=0)
# Air assessment job (docs/air-assessment.md "Late data"): with no watermark yet, the first pass takes in the hourly
# values received in the last this many hours, not the whole history (`ecobrain assess recompute` does that).
ASSESSMENT_FIRST_RUN_HOURS = env_int("ECOBRAIN_ASSESSMENT_FIRST_RUN_HOURS", 72, minimum=1)

# Alarm rule engine (docs/alarm-engine.md): evaluate newly committed observations in the process that stored them
# (off: only the alarms.sweep job evaluates them, a few minutes later); at most LIVE_QUEUE batches wait for the
# evaluator thread, beyond that batches are left to the sweep. Data older than MAX_DATA_AGE_HOURS (by period)
# raise no alarms: a history import is not news.
ALARMS_LIVE = env_bool("ECOBRAIN_ALARMS_LIVE", True)
ALARMS_LIVE_QUEUE = env_int("ECOBRAIN_ALARMS_LIVE_QUEUE", 1000, minimum=1)
ALARM_MAX_DATA_AGE_HOURS = env_int("ECOBRAIN_ALARM_MAX_DATA_AGE_HOURS", 72, minimum=1)

# Notifications (docs/notifications.md). Email: an SMTP server and a sender address, or no email (deliveries skipped).
SMTP = parse_smtp_url(env_str("ECOBRAIN_SMTP_URL"))
EMAIL_FROM = parse_email_from(env_str("ECOBRAIN_EMAIL_FROM"))
if SMTP is not None and not EMAIL_FROM:
    raise ConfigError("ECOBRAIN_SMTP_URL is set but ECOBRAIN_EMAIL_FROM is not: set the sender address too.")
# SMS: the dotted path of an ecobrain.notifications.sms.SMSBackend subclass; the default only writes to the log.
SMS_BACKEND = env_str("ECOBRAIN_SMS_BACKEND", "ecobrain.notifications.sms.LogSMSBackend")
# The outbox worker: one message may take SEND_TIMEOUT s per step (about twice that in all); a claimed delivery is
# leased for LEASE_SECONDS, which must cover a send, so a sender that dies mid-send is replaced after at most that long.
NOTIFY_SEND_TIMEOUT = env_int("ECOBRAIN_NOTIFY_SEND_TIMEOUT", 30, minimum=1, maximum=600)
NOTIFY_LEASE_SECONDS = env_int("ECOBRAIN_NOTIFY_LEASE_SECONDS", 120, minimum=3, maximum=86400)
if NOTIFY_LEASE_SECONDS < 2 * NOTIFY_SEND_TIMEOUT + 1:
    raise ConfigError(
        f"ECOBRAIN_NOTIFY_LEASE_SECONDS={NOTIFY_LEASE_SECONDS} must exceed twice ECOBRAIN_NOTIFY_SEND_TIMEOUT "
        f"({NOTIFY_SEND_TIMEOUT}): set it to at least {2 * NOTIFY_SEND_TIMEOUT + 1}."
    )
NOTIFY_MAX_ATTEMPTS = env_int("ECOBRAIN_NOTIFY_MAX_ATTEMPTS", 8, minimum=1, maximum=50)
NOTIFY_RETRY_SECONDS = env_int("ECOBRAIN_NOTIFY_RETRY_SECONDS", 30, minimum=1, maximum=86400)  # doubles per attempt
NOTIFY_RETRY_MAX_SECONDS = env_int("ECOBRAIN_NOTIFY_RETRY_MAX_SECONDS", 3600, minimum=1, maximum=7 * 86400)
NOTIFY_POLL_SECONDS = env_int("ECOBRAIN_NOTIFY_POLL_SECONDS", 5, minimum=1, maximum=300)
NOTIFY_BATCH_SIZE = env_int("ECOBRAIN_NOTIFY_BATCH_SIZE", 20, minimum=1, maximum=1000)
# Live push: at most NOTIFY_STREAMS open event streams per web process (default: half the web threads; 0 turns live
# push off and pages ask every 30 s), each closed after NOTIFY_STREAM_SECONDS so the browser reconnects.
NOTIFY_STREAMS = env_int("ECOBRAIN_NOTIFY_STREAMS", -1, minimum=-1, maximum=10000)
NOTIFY_STREAM_SECONDS = env_int("ECOBRAIN_NOTIFY_STREAM_SECONDS", 25, minimum=2, maximum=300)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("ECOBRAIN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
