"""Settings for the test suite.

SQLite by default; set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)
to run the same suite on PostgreSQL.
"""

import os
from pathlib import Path

import dj_database_url

from notify_admin.csp import CONSOLE_POLICY

BASE_DIR = Path(__file__).resolve().parents[1]

SECRET_KEY = "tests-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rangefilter",
    "import_export",
    "notify_admin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The console's Content-Security-Policy: the browser tests run under it.
    "csp.middleware.CSPMiddleware",
]
CONTENT_SECURITY_POLICY = CONSOLE_POLICY

ROOT_URLCONF = "notify_admin.site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

_database_url = os.environ.get("DATABASE_URL")
DATABASES = {
    "default": dj_database_url.parse(_database_url)
    if _database_url
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "tests.sqlite3"}
}

# Fast hashing: the suite creates many users. PBKDF2 verifies the demo login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "notifications@example.com"

NOTIFICATION_SYSTEM_TARGETS = {
    "email": {"from_email": "notifications@example.com"},
    "twilio_sms": {
        "account_sid": "AC" + "0" * 32,
        "auth_token": "test-auth-token",
        "sender": "+14155550100",
    },
    "expo": {"access_token": ""},
    # A VAPID key made for the tests only (tests/support/fakes/webpush.py's services
    # are given the key of their own test).
    "webpush": {
        "vapid_private_key": "ZuiRCMNNTmETmZHikB7WoTlyGQ2-t2KEmMhu0i345_E",
        "vapid_subject": "mailto:ops@example.com",
    },
}

# CSV import/export (django-import-export): importing and exporting need the
# models' own permissions (notify_admin.import_targetuserrecord,
# export_targetuserrecord, export_notification); every admin import is logged.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# How the import's user column names a user: "username" or "email".
NOTIFICATION_SYSTEM_IMPORT_USER_FIELD = "username"
