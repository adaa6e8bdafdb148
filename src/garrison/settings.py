"""Garrison's one settings module: every value comes from an environment variable.

The operations guide (docs/operations.md) lists each variable read here.
"""

from __future__ import annotations

import os
import secrets
import zoneinfo
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from garrison.env import ConfigurationError, Env

env = Env()

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(
    env.str("GARRISON_DATA_DIR", str(Path.cwd() / "var"), "Folder for the SQLite database, files")
)
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("GARRISON_DEBUG", False, "Django debug pages; never in production")


def _secret_key() -> str:
    configured = env.optional_str("GARRISON_SECRET_KEY", "Signing key; generated into DATA_DIR when unset")
    if configured:
        if len(configured) < 32:
            raise ConfigurationError("GARRISON_SECRET_KEY must be at least 32 characters long")
        return configured
    key_file = DATA_DIR / "secret_key"
    try:
        # Created owner-only from the first byte (never briefly world-readable), and only
        # if absent, so two processes starting together cannot overwrite each other's key.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env.list("GARRISON_ALLOWED_HOSTS", ["127.0.0.1", "localhost"], "Host names served")
CSRF_TRUSTED_ORIGINS = env.list("GARRISON_CSRF_TRUSTED_ORIGINS", [], "Origins allowed to POST forms")
HTTPS = env.bool("GARRISON_HTTPS", False, "Served over HTTPS: secure cookies and HSTS")
TRUSTED_PROXY_COUNT = env.int(
    "GARRISON_TRUSTED_PROXIES", 0, "Reverse proxies in front; their X-Forwarded-For is trusted", minimum=0
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "huey.contrib.djhuey",
    "garrison.core",
    "garrison.web",
    "garrison.library",
    "garrison.assets",
    "garrison.risks",
    "garrison.compliance",
    "garrison.incidents",
    "garrison.suppliers",
    "garrison.vulns",
    "garrison.logaudit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "garrison.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "garrison.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "garrison.core.middleware.PersonContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "garrison.urls"
WSGI_APPLICATION = "garrison.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "garrison.web.context_processors.navigation",
                "garrison.core.context_processors.notifications",
            ],
        },
    }
]

# Database: SQLite under DATA_DIR unless DATABASE_URL names another.
_database_url = env.optional_str(
    "DATABASE_URL", "postgres://user@host:5432/name; SQLite under DATA_DIR if unset"
)
if _database_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    except Exception as error:  # dj-database-url raises several types for a bad URL
        raise ConfigurationError(f"DATABASE_URL cannot be parsed: {error}") from None
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "garrison.sqlite3"),
            "OPTIONS": {
                # Writers queue instead of failing with "database is locked" while the
                # web server and the worker both write.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DATABASES["default"]["TEST"] = {"NAME": env.optional_str("GARRISON_TEST_DATABASE_NAME", "Test database name")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.optional_str("REDIS_URL", "redis://127.0.0.1:6379/0; enables RedisHuey and the Redis cache")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

HUEY_IMMEDIATE = env.bool("GARRISON_HUEY_IMMEDIATE", False, "Run jobs inline instead of in the worker")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "garrison",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "garrison",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# Identity
AUTH_USER_MODEL = "core.Person"
AUTHENTICATION_BACKENDS = ["garrison.core.identity.PersonBackend"]
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "login"
LOGIN_MAX_FAILURES = env.int("GARRISON_LOGIN_MAX_FAILURES", 5, "Failed logins before lockout", minimum=1)
LOGIN_LOCKOUT_MINUTES = env.int(
    "GARRISON_LOGIN_LOCKOUT_MINUTES", 30, "Lockout length; 0 keeps it until an admin unlocks", minimum=0
)
API_TOKEN_MAX_DAYS = env.int("GARRISON_API_TOKEN_MAX_DAYS", 365, "Longest API token lifetime", minimum=1)
MFA_ISSUER = env.str("GARRISON_MFA_ISSUER", "Garrison", "Issuer name shown in authenticator apps")

SESSION_IDLE_MINUTES = env.int("GARRISON_SESSION_IDLE_MINUTES", 30, "Idle minutes before logout", minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.bool("GARRISON_SSL_REDIRECT", True, "Redirect HTTP to HTTPS when HTTPS")
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Internationalisation: English and Simplified Chinese; stored UTC, shown in the person's zone.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_PERSON_TIME_ZONE = env.str("GARRISON_DEFAULT_TIME_ZONE", "Asia/Shanghai", "Zone for new people")
try:
    zoneinfo.ZoneInfo(DEFAULT_PERSON_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ConfigurationError(
        f"GARRISON_DEFAULT_TIME_ZONE={DEFAULT_PERSON_TIME_ZONE!r} is not a known time zone"
    ) from None

# Static assets are served by Garrison itself (no CDN: data-center networks are often air-gapped).
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
WHITENOISE_USE_FINDERS = True


def _bootstrap_dir() -> str:
    from xstatic.pkg import bootstrap

    return str(bootstrap.BASE_DIR)


STATICFILES_DIRS = [("bootstrap", _bootstrap_dir())]

# Files: content-addressed store, local by default.
FILES_DIR = Path(env.str("GARRISON_FILES_DIR", str(DATA_DIR / "files"), "Folder of the evidence store"))
MEDIA_ROOT = FILES_DIR
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": FILES_DIR}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAX_UPLOAD_MEGABYTES = env.int("GARRISON_MAX_UPLOAD_MB", 200, "Largest accepted upload", minimum=1)
VULNS_MAX_IMPORT_MEGABYTES = env.int(
    "GARRISON_VULNS_MAX_IMPORT_MB", 1024, "Largest scanner file the import command accepts", minimum=1
)
LOGAUDIT_MAX_BATCH_MEGABYTES = env.int(
    "GARRISON_LOGAUDIT_MAX_BATCH_MB", 1024, "Largest log batch a log source accepts", minimum=1
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# E-mail: console by default, SMTP when configured.
EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}[env.choice("GARRISON_EMAIL_BACKEND", "console", ("console", "smtp"), "console or smtp")]
EMAIL_HOST = env.str("GARRISON_SMTP_HOST", "localhost", "SMTP server")
EMAIL_PORT = env.int("GARRISON_SMTP_PORT", 25, "SMTP port", minimum=1, maximum=65535)
EMAIL_HOST_USER = env.str("GARRISON_SMTP_USER", "", "SMTP user name")
EMAIL_HOST_PASSWORD = env.str("GARRISON_SMTP_PASSWORD", "", "SMTP password")
EMAIL_USE_TLS = env.bool("GARRISON_SMTP_STARTTLS", False, "Use STARTTLS")
EMAIL_USE_SSL = env.bool("GARRISON_SMTP_SSL", False, "Use implicit TLS")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigurationError("GARRISON_SMTP_STARTTLS and GARRISON_SMTP_SSL cannot both be true")
DEFAULT_FROM_EMAIL = env.str("GARRISON_MAIL_FROM", "garrison@localhost", "Sender of notification mail")
SITE_URL = env.str("GARRISON_SITE_URL", "http://127.0.0.1:8000", "Base URL used in links in e-mail")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "garrison.core.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "garrison.core.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "garrison.core.filters.ScopedFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "garrison.core.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Garrison API",
    "DESCRIPTION": "Information-security and supplier-governance platform",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AuditKindEnum": "garrison.compliance.models.audits.AuditKind",
        "FindingKindEnum": "garrison.compliance.models.audits.FindingKind",
        "EvidenceKindEnum": "garrison.compliance.models.evidence.EvidenceKind",
        "ControlTestMethodEnum": "garrison.compliance.models.controls.TestMethod",
        "IncidentTaskStatusEnum": "garrison.incidents.models.handling.TaskStatus",
        "IncidentGradeEnum": "garrison.incidents.models.library.Grade",
        "SupplierStatusEnum": "garrison.suppliers.models.master.SupplierStatus",
        "RectificationPlanStatusEnum": "garrison.suppliers.models.classification.PlanStatus",
        "RectificationActionStatusEnum": "garrison.suppliers.models.classification.ActionStatus",
        "StandingBandEnum": "garrison.suppliers.models.assessment.StandingBand",
        "VulnerabilitySeverityEnum": "garrison.vulns.models.findings.Severity",
        "FindingStatusEnum": "garrison.vulns.models.findings.FindingStatus",
        "PenetrationTestStatusEnum": "garrison.vulns.models.engagements.PenetrationTestStatus",
        "FindingExceptionStatusEnum": "garrison.vulns.models.engagements.ExceptionStatus",
        "ImportStatusEnum": "garrison.vulns.models.imports.ImportStatus",
        "ImportFormatEnum": "garrison.vulns.models.imports.ImportFormat",
        "FindingSourceEnum": "garrison.vulns.models.findings.Source",
        "AuditReportStatusEnum": "garrison.logaudit.models.audits.ReportStatus",
        "LogFindingTriageEnum": "garrison.logaudit.models.audits.Triage",
        "LogFindingTriageDecisionEnum": "garrison.logaudit.forms_findings.TRIAGE_DECISIONS",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env.choice(
            "GARRISON_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), "Log level"
        ),
    },
}
