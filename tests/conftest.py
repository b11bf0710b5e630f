"""Fixtures shared by more than one layer, each defined once in the tree (a
layer's own fixtures are in its conftest.py; tests/README.md has the map)."""

from datetime import timedelta

import pytest

# The support modules' asserts report like a test's own (before any imports them).
pytest.register_assert_rewrite("tests.support")

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from notify_admin.models import (  # noqa: E402
    Notification,
    NotificationTarget,
    TargetUserRecord,
)
from tests.support.provider_settings import merge_targets  # noqa: E402

# Figures for docs/reliability.md (printed at the end of a run).
pytest_plugins = ["tests.support.reliability_tally"]


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests, with the reason, when the suite runs on SQLite."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(
        reason="PostgreSQL only: run with DATABASE_URL=postgres://user@host:5432/db"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def targets(db):
    return {t.notification_module_name: t for t in NotificationTarget.objects.all()}


@pytest.fixture
def make_user(db):
    counter = {"n": 0}

    def make(**kwargs):
        counter["n"] += 1
        n = counter["n"]
        kwargs.setdefault("username", f"user{n}")
        kwargs.setdefault("email", f"user{n}@example.com")
        return get_user_model().objects.create_user(**kwargs)

    return make


@pytest.fixture
def make_record(targets):
    def make(user, module="email", address=None, **kwargs):
        default = {
            "email": user.email,
            "twilio": "+14155552671",
            "expo": f"ExponentPushToken[{user.username}]",
        }.get(module)
        return TargetUserRecord.objects.create(
            user=user,
            target=targets[module],
            target_user_id=address or default,
            **kwargs,
        )

    return make


@pytest.fixture
def due(make_user, make_record):
    """A notification due now (scheduled a second ago) on ``record``, or on a
    new user's record of ``module``; other fields as keyword arguments."""

    def make(module="email", record=None, **kwargs):
        if record is None:
            record = make_record(make_user(), module)
        kwargs.setdefault("title", "Hello")
        kwargs.setdefault("body", "A message")
        kwargs.setdefault("scheduled_delivery", timezone.now() - timedelta(seconds=1))
        return Notification.objects.create(user_target=record, **kwargs)

    return make


# -- fake provider servers (the network edge) --------------------------------


@pytest.fixture
def fake_smtp(settings):
    """A real SMTP server on 127.0.0.1; Django's mail settings point at it."""
    from tests.support.fakes import FakeSMTPServer

    with FakeSMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 2
        yield server


@pytest.fixture
def no_twilio(settings):
    """Twilio's provider not configured: a sender, no credentials."""
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        **settings.NOTIFICATION_SYSTEM_TARGETS,
        "twilio_sms": {"sender": "+14155550100"},
    }


@pytest.fixture
def fake_twilio(settings):
    """A Twilio-shaped server; the twilio channel's client points at it."""
    from tests.support.fakes import FakeTwilioServer

    with FakeTwilioServer() as server:
        merge_targets(settings, "twilio_sms", {"base_url": server.url, "timeout": 1})
        yield server


@pytest.fixture
def fake_expo(settings):
    """An Expo-shaped server; the expo channel's PushClient points at it."""
    from tests.support.fakes import FakeExpoServer

    with FakeExpoServer() as server:
        merge_targets(settings, "expo", {"host": server.url, "timeout": 1})
        yield server


@pytest.fixture
def fake_webpush(settings):
    """A Web Push service on 127.0.0.1 that checks the VAPID signature with
    the key the webpush channel is given, and decrypts what it receives."""
    from tests.support.fakes import FakeWebPushServer
    from tests.support.fakes.webpush import vapid_key_pair

    private_key, public_key = vapid_key_pair()
    with FakeWebPushServer(public_key) as server:
        merge_targets(
            settings,
            "webpush",
            {
                "vapid_private_key": private_key,
                "vapid_subject": "mailto:ops@example.com",
                "timeout": 1,
                "allow_loopback_http": True,
            },
        )
        yield server


# --- notifications and the admin console (tests/admin, tests/browser, ...) ---


@pytest.fixture
def make_notification():
    """A Notification on ``record``; non-SCHEDULED statuses get an attempt time
    so the seed's data checks pass."""
    from django.utils import timezone

    from notify_admin.models import Notification

    def make(record, status="SCHEDULED", **kwargs):
        kwargs.setdefault("title", "Hello")
        kwargs.setdefault("body", "Body text")
        if status not in Notification.UNATTEMPTED_STATUSES:
            kwargs.setdefault("attempted_delivery", timezone.now())
        return Notification.objects.create(user_target=record, status=status, **kwargs)

    return make


@pytest.fixture
def make_staff(make_user):
    """A staff user with the given "app_label.codename" permissions."""
    from django.contrib.auth.models import Permission

    def make(*perms, **kwargs):
        user = make_user(is_staff=True, **kwargs)
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        return user

    return make


@pytest.fixture
def post_action():
    """POST an admin action to a changelist, as the action form does."""
    from django.urls import reverse

    def post(client, model, action, objects, select_across=False, query="", **data):
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        )
        payload = {
            "action": action,
            "index": "0",
            "select_across": "1" if select_across else "0",
            "_selected_action": [str(obj.pk) for obj in objects],
            **data,
        }
        return client.post(url + query, payload)

    return post


#: An email template with everything that must never be live in the admin:
#: quotes that end a ``srcdoc="..."`` attribute early, a script, a style that
#: would restyle the admin, an image whose error handler runs script, and a
#: value (``name``) that Django's template engine escapes.
HOSTILE_EMAIL_TEMPLATE = """<!doctype html>
<html><head><title>Weekly "digest" & 'news'</title>
<style>
body { background: rgb(255, 250, 205); }
#na-email-heading { color: rgb(200, 0, 0); }
</style>
</head><body>
<h1 id="na-email-heading" class="na-email-only">Hello {{ name }}, it's "time"</h1>
<p title='single "quoted" attribute'>Prices &amp; offers</p>
<script>document.body.setAttribute("data-script-ran", "yes");
parent.document.title = "pwned"; alert("email script");</script>
<img id="na-email-img" src="no-such-image.png"
 onerror="document.body.setAttribute('data-onerror-ran', 'yes'); alert('onerror')">
</body></html>
"""


@pytest.fixture
def hostile_email(settings, tmp_path, make_user, make_record, make_notification):
    """A SCHEDULED email notification rendered from HOSTILE_EMAIL_TEMPLATE."""
    folder = tmp_path / "email_templates"
    folder.mkdir()
    (folder / "hostile_email.html").write_text(HOSTILE_EMAIL_TEMPLATE)
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], folder]}
    ]
    record = make_record(make_user(username="reader"))
    return make_notification(
        record,
        title='Weekly "digest"',
        body="Plain text part",
        extra={"template_name": "hostile_email.html", "name": "Ada <b>Lovelace</b>"},
    )


# --- message templates (tests/templates, tests/admin, tests/browser) ----------


@pytest.fixture
def make_template(db):
    """A NotificationTemplate with a first version (default language) made of
    the given content fields; ``languages={"fr": {...}}`` adds more."""
    from notify_admin.models import NotificationTemplate

    def make(
        key="order_shipped", *, name=None, languages=None, example=None, **content
    ):
        template = NotificationTemplate.objects.create(
            key=key,
            name=name or key.replace("_", " ").capitalize(),
            example_personalisation=example or {},
        )
        if content:
            template.save_content(content, "en")
        for language, fields in (languages or {}).items():
            template.save_content(fields, language)
        return template

    return make


@pytest.fixture
def redis_rate_cache(settings):
    """The shared rate limiter books in Redis (a RedisCache alias of its
    own, see tests/support/rate_cache.py); skipped without Redis."""
    from tests.support import rate_cache

    client = rate_cache.redis_cache_or_skip()
    settings.CACHES = {**settings.CACHES, rate_cache.ALIAS: rate_cache.cache_settings()}
    settings.NOTIFICATION_SYSTEM_RATE_LIMIT_CACHE = rate_cache.ALIAS
    yield client
    client.flushdb()
