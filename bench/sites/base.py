"""Settings shared by every system under benchmark.

Everything that varies per run comes from the environment, set by bench/run.py:
BENCH_DATABASE_URL, BENCH_EMAIL (locmem|smtp), BENCH_SMTP_PORT, BENCH_EXPO_HOST,
BENCH_TWILIO_URL.
"""

import os

import dj_database_url

SECRET_KEY = "benchmark-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["*"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

BASE_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
]

DATABASES = {"default": dj_database_url.parse(os.environ["BENCH_DATABASE_URL"])}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A cron-like process and nothing else: WAL keeps readers and the writer apart.
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;"}

if os.environ.get("BENCH_EMAIL") == "smtp":
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = "127.0.0.1"
    EMAIL_PORT = int(os.environ["BENCH_SMTP_PORT"])
else:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "bench@bench.example.com"

TWILIO = {
    "account_sid": "AC" + "0" * 32,
    "auth_token": "bench-token",
    "sender": "+14155550100",
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
    }
]
