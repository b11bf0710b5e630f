"""Settings of the standalone notify_admin console.

Everything that differs between machines comes from the environment:

DATABASE_URL        database (default: SQLite file ``db.sqlite3`` in the project folder)
DJANGO_DEBUG        "1" turns DEBUG on (off by default)
SECRET_KEY          required unless DEBUG is on
ALLOWED_HOSTS       comma-separated (default: localhost,127.0.0.1 when DEBUG is on)
EMAIL_URL-free mail settings: EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
    EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL, EMAIL_BACKEND,
    DEFAULT_FROM_EMAIL
TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_SENDER   the SMS channel
EXPO_ACCESS_TOKEN                                        the push channel
NOTIFICATION_SYSTEM_TARGETS__<PROVIDER>__<KEY>         any channel's setting,
    e.g. NOTIFICATION_SYSTEM_TARGETS__WEBPUSH__VAPID_PRIVATE_KEY (numbers as numbers)

In production (DEBUG off) the console is safe by default, see README's
"Deploying the console":

DJANGO_STATIC_ROOT      where collectstatic writes (default: staticfiles/)
DJANGO_BEHIND_PROXY     "1": one TLS-terminating proxy in front sets
    X-Forwarded-Proto (trusted for HTTPS) and appends the client's address to
    X-Forwarded-For (trusted for login throttling); off by default
DJANGO_SECURE_SSL_REDIRECT   "0" stops redirecting http to https (default on)
DJANGO_SECURE_HSTS_SECONDS   HSTS max-age (default one year; "0" turns HSTS off)
DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS, DJANGO_SECURE_HSTS_PRELOAD   (default on)
AXES_FAILURE_LIMIT      failed logins of one user from one address before
    lockout (default 5)
AXES_COOLOFF_MINUTES    how long a lockout lasts (default 60; "0": until a
    superuser resets it in the admin)
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from notify_admin.csp import CONSOLE_POLICY
from notify_admin.site.log import configure as configure_logging

BASE_DIR = Path(
    os.environ.get("NOTIFY_ADMIN_HOME", Path(__file__).resolve().parents[2])
)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ImproperlyConfigured(
            f"The {name} environment variable must be a whole number, 0 or more "
            f"(it is {value!r})."
        )
    return int(value)


def env_list(name, default=""):
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


DEBUG = env_bool("DJANGO_DEBUG")

# Only for local development: never used unless DEBUG is on.
DEVELOPMENT_SECRET_KEY = "django-insecure-notify-admin-development-only"
SECRET_KEY = os.environ.get("SECRET_KEY") or (DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "Set the SECRET_KEY environment variable (or DJANGO_DEBUG=1 for development)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin, its modules imported by the URLconf rather than at
    # start-up: a delivery run from cron never loads them (site/apps.py).
    "notify_admin.site.apps.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rangefilter",
    "import_export",
    "notify_admin",
    # Admin login throttling (the console only: a host project brings its own).
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on every page (django-csp; see notify_admin/csp.py).
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a lockout into its 429 page.
    "axes.middleware.AxesMiddleware",
]
if not DEBUG:
    # The admin's CSS and JavaScript, served by the console itself (right
    # after SecurityMiddleware, as WhiteNoise asks); runserver does it in debug.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out user and address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "notify_admin.site.urls"
WSGI_APPLICATION = "notify_admin.site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The repo's top-level templates/ (installed copies live in the app).
        "DIRS": [BASE_DIR / "templates", Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
if not DEBUG:
    # collectstatic writes compressed copies under hashed names, which
    # WhiteNoise serves with far-future cache headers.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }

# -- production security (DEBUG off) ---------------------------------------------
# Cookies only over HTTPS, HTTP redirected to HTTPS, HSTS: on unless DEBUG is on
# or a variable explicitly turns one off (`manage.py check --deploy` says so).
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY")
if BEHIND_PROXY:
    # Only a proxy that overwrites these headers may be trusted with them:
    # without DJANGO_BEHIND_PROXY a client could claim HTTPS or any address.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Scripts only from the console's static files (or with the request's nonce),
# no plugins, no framing by other sites: markup that slipped through escaping
# stays inert. The directives and why: notify_admin/csp.py.
CONTENT_SECURITY_POLICY = CONSOLE_POLICY

# -- admin login throttling (django-axes) -----------------------------------------
# Five failed logins of one username from one address lock that pair out (429),
# for AXES_COOLOFF_MINUTES or until a superuser deletes the row under
# "Axes > Access attempts"; a successful login starts the count again.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "notify_admin_site/lockout.html"
# Each failed login stays listed under "Access failures" after a reset.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
_cooloff_minutes = env_int("AXES_COOLOFF_MINUTES", 60)
AXES_COOLOFF_TIME = timedelta(minutes=_cooloff_minutes) if _cooloff_minutes else None
# The client's address: REMOTE_ADDR, or behind the proxy the right-most entry of
# X-Forwarded-For, the one the proxy appended (anything left of it came from
# the client). For django-ipware: no proxy hop after the client's entry, and
# entries the client made up, even malformed ones, do not void the header.
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if BEHIND_PROXY else ("REMOTE_ADDR",)
)
AXES_IPWARE_PROXY_COUNT = 0 if BEHIND_PROXY else None
IPWARE_STRICT = False

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "notifications@localhost")

# Provider settings in the original package's shape; secrets only from the
# environment, never from the repository or the database.
NOTIFICATION_SYSTEM_TARGETS = {
    "email": {"from_email": DEFAULT_FROM_EMAIL},
    "twilio_sms": {
        "account_sid": os.environ.get("TWILIO_ACCOUNT_SID", ""),
        "auth_token": os.environ.get("TWILIO_AUTH_TOKEN", ""),
        "sender": os.environ.get("TWILIO_SENDER", ""),
    },
    "expo": {"access_token": os.environ.get("EXPO_ACCESS_TOKEN", "")},
}


def _targets_from_environment(prefix="NOTIFICATION_SYSTEM_TARGETS__"):
    """Any channel's settings, by name, without a line here per channel."""
    for name, value in sorted(os.environ.items()):
        provider, _, key = name.removeprefix(prefix).partition("__")
        if name.startswith(prefix) and provider and key:
            number = value.strip().isdigit()
            NOTIFICATION_SYSTEM_TARGETS.setdefault(provider.lower(), {})[
                key.lower()
            ] = int(value) if number else value


_targets_from_environment()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"notify_admin": {"handlers": ["console"], "level": "INFO"}},
}
# Django's default logging, applied here with a mail_admins handler that
# imports the error reporter when it first mails one (site/log.py): start-up
# of a delivery run does not pay for the URL resolver and template engine.
LOGGING_CONFIG = None
configure_logging(LOGGING)

# CSV import/export (django-import-export): importing and exporting need the
# models' own permissions (notify_admin.import_targetuserrecord,
# export_targetuserrecord, export_notification); every admin import is logged.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# How the import's user column names a user: "username" or "email".
NOTIFICATION_SYSTEM_IMPORT_USER_FIELD = "username"
