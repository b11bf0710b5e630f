"""The channel contract, run by every built-in channel (Web Push included),
the original package's kind of extra channel (carrier_pigeon) and a complete
extra channel (telegraph): the same table of provider answers gives the same
outcomes, through the real SDKs against the fake servers, and a run opens one
session (one set of connections) whatever its number of batches.

A channel joins the suite with a ``Provider`` below: how to start its fake,
make a due row, and provoke each answer.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from notify_admin.channels.base import Channel
from notify_admin.channels.registry import channel_type
from notify_admin.delivery import deliver_due
from notify_admin.delivery.pauses import resume_target
from notify_admin.models import (
    Notification,
    NotificationTarget,
    TargetPause,
    TargetUserRecord,
)
from tests.extensions.handlers import telegraph
from tests.support.fakes import (
    FakeCoopServer,
    FakeExpoServer,
    FakeSMTPServer,
    FakeTelegraphServer,
    FakeTwilioServer,
    FakeWebPushServer,
)
from tests.support.fakes.telegraph import API_KEY
from tests.support.fakes.webpush import vapid_key_pair
from tests.support.provider_settings import merge_targets

pytestmark = pytest.mark.django_db

# Provider answer -> the status it leaves (dead addresses also make the
# user's record inactive; refused credentials leave the row as it was, with
# no attempt and no retry spent).
TABLE = {
    "accepted": Notification.DELIVERED,
    "transient": Notification.RETRY,
    "permanent": Notification.DELIVERY_FAILURE,
    "dead_address": Notification.INACTIVE_DEVICE,
    "time-out": Notification.RETRY,
    "unreadable answer": Notification.RETRY,
    "connection refused": Notification.RETRY,
    "credentials": Notification.SCHEDULED,
    "failing build": Notification.DELIVERY_FAILURE,
}


class Provider:
    module_name = ""
    fake_class = None

    def __init__(self, settings, monkeypatch):
        self.settings = settings
        self.monkeypatch = monkeypatch
        self.fake = self.make_fake().start()
        self.configure()

    def make_fake(self):
        return self.fake_class()

    def configure(self):
        raise NotImplementedError

    def address(self, n):
        raise NotImplementedError

    def provoke(self, answer, address):
        """Make the fake give ``answer`` to ``address`` (or to everyone)."""
        if answer == "failing build":
            self.fail_build()
        elif answer == "connection refused":
            self.fake.stop()
        elif answer == "time-out":
            self.fake.hang = 1.5  # the clients' time-out is 1 s
        elif answer == "unreadable answer":
            self.fake.garbage = True
        elif answer != "accepted":
            self.fake.errors[self.key(address)] = self.ERRORS[answer]

    def key(self, address):
        """How the fake names ``address``."""
        return address

    def fail_build(self):
        """A message that cannot be built (the same every time): the base's
        catch-all fails it alone, without calling the provider."""

        def build(channel, notification):
            raise ValueError("this message cannot be built")

        self.monkeypatch.setattr(channel_type(self.module_name), "build", build)

    def connections(self):
        return self.fake.connections

    #: The ways this provider refuses the account's credentials.
    CREDENTIAL_REFUSALS = ("credentials",)

    def refuse_credentials(self, variant, address):
        """Make the provider refuse the credentials the ``variant`` way."""
        self.provoke("credentials", address)

    def accept_credentials(self, address):
        """What staff fix before resuming: the provider takes them again."""
        self.fake.errors.pop(self.key(address), None)
        self.fake.fail_status = None


class Email(Provider):
    module_name = "email"
    fake_class = FakeSMTPServer
    REFUSALS = {
        "transient": "450 4.2.1 Mailbox busy",
        "dead_address": "550 5.1.1 User unknown",
    }

    def configure(self):
        s = self.settings
        s.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        s.EMAIL_HOST, s.EMAIL_PORT = "127.0.0.1", self.fake.port
        s.EMAIL_USE_TLS = s.EMAIL_USE_SSL = False
        s.EMAIL_HOST_USER = s.EMAIL_HOST_PASSWORD = ""
        s.EMAIL_TIMEOUT = 1

    def address(self, n):
        return f"person{n}@example.com"

    def provoke(self, answer, address):
        if answer in self.REFUSALS:
            self.fake.refuse[address] = self.REFUSALS[answer]
        elif answer == "permanent":
            self.fake.data_reply = "554 5.6.0 Message content rejected"
        elif answer == "time-out":
            self.fake.latency = 1.5
        elif answer == "unreadable answer":
            self.fake.data_reply = "this is not an SMTP reply"
        elif answer == "connection refused":
            self.fake.stop()
        elif answer == "credentials":
            self.fake.mail_reply = "530 5.7.0 Authentication required"
        elif answer == "failing build":
            self.fail_build()

    def connections(self):
        return len({message["peer"] for message in self.fake.messages})

    CREDENTIAL_REFUSALS = ("535 wrong password", "530 no login")

    def refuse_credentials(self, variant, address):
        # A real AUTH exchange: the server requires a login (aiosmtpd's own
        # 530 / 535 replies), and Django's SMTP backend logs in.
        self.fake.stop()
        self.fake.login = ("ops@example.com", "the-rotated-password")
        self.fake.start()
        if variant.startswith("535"):
            self.settings.EMAIL_HOST_USER = "ops@example.com"
            self.settings.EMAIL_HOST_PASSWORD = "the-old-password"

    def accept_credentials(self, address):
        self.settings.EMAIL_HOST_USER = "ops@example.com"
        self.settings.EMAIL_HOST_PASSWORD = "the-rotated-password"


class Twilio(Provider):
    module_name = "twilio"
    fake_class = FakeTwilioServer
    ERRORS = {
        "transient": 30001,
        "permanent": 21606,
        "dead_address": 21211,
        "credentials": (401, 20003, "Authenticate"),
    }

    def configure(self):
        merge_targets(
            self.settings, "twilio_sms", {"base_url": self.fake.url, "timeout": 1}
        )

    CREDENTIAL_REFUSALS = ("20003", "HTTP 401")

    def refuse_credentials(self, variant, address):
        if variant == "20003":
            self.fake.errors[address] = (401, 20003, "Authenticate")
        else:
            self.fake.fail_status = 401

    def address(self, n):
        return f"+1415555{n:04d}"


class Expo(Provider):
    module_name = "expo"
    fake_class = FakeExpoServer
    ERRORS = {
        "transient": "MessageRateExceeded",
        "permanent": "MessageTooBig",
        "dead_address": "DeviceNotRegistered",
        "credentials": "InvalidCredentials",
    }

    def configure(self):
        merge_targets(self.settings, "expo", {"host": self.fake.url, "timeout": 1})

    CREDENTIAL_REFUSALS = ("InvalidCredentials", "HTTP 401")

    def refuse_credentials(self, variant, address):
        if variant == "InvalidCredentials":
            self.fake.errors[address] = "InvalidCredentials"
        else:
            self.fake.fail_status = 401

    def address(self, n):
        return f"ExponentPushToken[contract-{n}]"


class Pigeon(Provider):
    """The example extra channel: the original package's send_notification."""

    module_name = "carrier_pigeon"
    fake_class = FakeCoopServer
    ERRORS = {
        "transient": (503, {"error": "coop_full"}),
        "permanent": (400, {"error": "message_too_heavy"}),
        "dead_address": (410, {"error": "no_such_coop"}),
        "credentials": (401, {"error": "bad_key"}),
    }

    def configure(self):
        self.settings.NOTIFICATION_SYSTEM_HANDLERS = ["tests.extensions.handlers"]
        merge_targets(self.settings, "carrier_pigeon", {"coop_url": self.fake.url})
        NotificationTarget.objects.get_or_create(
            name="Pigeon", defaults={"notification_module_name": self.module_name}
        )

    def address(self, n):
        return f"coop {n}"


class WebPush(Provider):
    """Web Push: the browser's subscription is the address; the fake push
    service checks the VAPID signature and decrypts each message."""

    module_name = "webpush"
    fake_class = FakeWebPushServer
    ERRORS = {"transient": 503, "permanent": 413, "dead_address": 410}

    def make_fake(self):
        self.private_key, public_key = vapid_key_pair()
        return FakeWebPushServer(public_key)

    def configure(self):
        merge_targets(
            self.settings,
            "webpush",
            {
                "vapid_private_key": self.private_key,
                "vapid_subject": "mailto:ops@example.com",
                "timeout": 1,
                "allow_loopback_http": True,
            },
        )
        self.ids = {}

    def address(self, n):
        sub_id, address = self.fake.subscribe()
        self.ids[n] = sub_id
        return address

    def key(self, address):
        return address.split("/push/")[1].split('"')[0]

    def provoke(self, answer, address):
        if answer == "credentials":
            # Signed with a key the push service was not given: 403.
            merge_targets(
                self.settings, "webpush", {"vapid_private_key": vapid_key_pair()[0]}
            )
        else:
            super().provoke(answer, address)

    CREDENTIAL_REFUSALS = ("403 foreign VAPID key", "HTTP 401")

    def refuse_credentials(self, variant, address):
        if variant.startswith("403"):
            self.provoke("credentials", address)
        else:
            self.fake.errors[self.key(address)] = 401

    def accept_credentials(self, address):
        merge_targets(self.settings, "webpush", {"vapid_private_key": self.private_key})
        super().accept_credentials(address)


class Telegraph(Provider):
    """The complete extra channel: a Channel subclass in a host's module."""

    module_name = "telegraph"
    fake_class = FakeTelegraphServer
    ERRORS = {
        "transient": (503, "line_busy"),
        "permanent": (400, "message_too_long"),
        "dead_address": (404, "no_such_station"),
        "credentials": (401, "bad_key"),
    }

    def configure(self):
        self.settings.NOTIFICATION_SYSTEM_HANDLERS = ["tests.extensions.handlers"]
        merge_targets(
            self.settings,
            "telegraph",
            {"api_key": API_KEY, "office_url": self.fake.url, "timeout": 1},
        )
        NotificationTarget.objects.get_or_create(
            name="Telegraph", defaults={"notification_module_name": self.module_name}
        )

    def address(self, n):
        return f"@station{n}"


PROVIDERS = [Email, Twilio, Expo, WebPush, Pigeon, Telegraph]


@pytest.fixture(params=PROVIDERS, ids=lambda p: p.module_name)
def provider(request, settings, monkeypatch):
    provider = request.param(settings, monkeypatch)
    yield provider
    provider.fake.stop()


def row_maker(provider, make_user):
    target = NotificationTarget.objects.get(
        notification_module_name=provider.module_name
    )
    count = {"n": 0}

    def make():
        count["n"] += 1
        record = TargetUserRecord.objects.create(
            user=make_user(),
            target=target,
            target_user_id=provider.address(count["n"]),
        )
        return Notification.objects.create(
            user_target=record,
            title="Contract",
            body="The same answers, the same outcomes.",
            scheduled_delivery=timezone.now() - timedelta(seconds=1),
        )

    return make


@pytest.fixture
def due_row(provider, make_user):
    return row_maker(provider, make_user)


@pytest.fixture(
    params=[(p, v) for p in PROVIDERS for v in p.CREDENTIAL_REFUSALS],
    ids=lambda case: f"{case[0].module_name}-{case[1]}",
)
def refusal(request, settings, monkeypatch):
    """A provider and one of the ways it refuses the credentials."""
    provider_class, variant = request.param
    provider = provider_class(settings, monkeypatch)
    yield provider, variant
    provider.fake.stop()


@pytest.mark.parametrize("answer", list(TABLE))
def test_the_same_answer_gives_the_same_outcome(provider, due_row, answer):
    notification = due_row()
    provider.provoke(answer, notification.user_target.target_user_id)
    result = deliver_due()
    notification.refresh_from_db()
    assert notification.status == TABLE[answer]
    assert notification.claim_token is None
    # Only a dead address retires the user's record, with why and when.
    record = notification.user_target
    assert record.active is (answer != "dead_address")
    assert bool(record.inactive_reason and record.inactivated_at) is (
        answer == "dead_address"
    )
    if answer == "credentials":
        # Released as it was: no attempt, no retry spent, and the channel
        # is reported as not configured (with what the provider said).
        assert result.claimed == 1 and result.not_configured == 1
        assert not notification.attempts.exists()
        assert notification.retry_attempts == 0
        assert "credentials" in result.missing_settings[provider.module_name][0]
        pause = TargetPause.objects.get(target=record.target)
        assert pause.source == TargetPause.CREDENTIALS
        return
    assert result.claimed == 1 and result.not_configured == 0
    attempt = notification.attempts.get()
    assert attempt.outcome == TABLE[answer]
    if answer == "accepted":
        assert attempt.provider_id and not attempt.error_code
    else:
        assert attempt.error_code and attempt.error_message
    if answer == "failing build":
        assert attempt.error_code == "message_error"


def test_one_session_per_run_whatever_the_batches(
    provider, due_row, settings, monkeypatch
):
    opened = []
    real_open = Channel.open

    def counting_open(self):
        new = real_open(self)
        if new:
            opened.append(self.module_name)
        return new

    monkeypatch.setattr(Channel, "open", counting_open)
    key = channel_type(provider.module_name).provider_key or provider.module_name
    # One request at a time, so one kept-alive connection can carry them all.
    merge_targets(settings, key, {"concurrency": 1})
    rows = [due_row() for _ in range(6)]
    assert deliver_due(batch_size=2).delivered == 6
    assert opened == [provider.module_name]
    if provider.module_name != "carrier_pigeon":
        # Three batches over one connection: a session per batch would open three.
        assert provider.connections() == 1
    # The next run opens its own session.
    for row in rows:
        Notification.objects.filter(pk=row.pk).update(
            status=Notification.SCHEDULED, attempted_delivery=None
        )
    assert deliver_due(batch_size=2).delivered == 6
    assert opened == [provider.module_name] * 2


def test_an_extra_channel_sends_from_the_pipelines_threads(settings, monkeypatch):
    """A channel named in settings that declares sends_in_background gets the
    pipeline's sending thread and its own worker threads, as a built-in
    does; the original package's kind (carrier_pigeon) keeps the run's."""
    provider = Telegraph(settings, monkeypatch)
    try:
        telegraph.threads.clear()
        target = NotificationTarget.objects.get(notification_module_name="telegraph")
        from django.contrib.auth import get_user_model

        for n in range(4):
            user = get_user_model().objects.create(username=f"t{n}")
            record = TargetUserRecord.objects.create(
                user=user, target=target, target_user_id=f"@Station{n}"
            )
            assert record.target_user_id == f"@station{n}"  # its address rule
            Notification.objects.create(
                user_target=record,
                title="T",
                body="B",
                scheduled_delivery=timezone.now() - timedelta(seconds=1),
            )
        assert deliver_due().delivered == 4
        assert telegraph.threads and all(
            name.startswith("notify-admin-telegraph") for name in telegraph.threads
        )
    finally:
        provider.fake.stop()


def untouched(notification):
    notification.refresh_from_db()
    assert (notification.status, notification.retry_attempts) == (
        Notification.SCHEDULED,
        0,
    )
    assert notification.claim_token is None
    assert not notification.attempts.exists()
    return True


def test_refused_credentials_pause_the_target_not_the_rows(refusal, make_user):
    """Each way each provider refuses the account (Twilio 20003 and 401, SMTP
    535 and 530, Expo InvalidCredentials and 401, Web Push 403 and 401): the
    rows go back untouched, the target is paused with the provider's reason,
    later runs claim nothing of it, and once the setting is fixed and staff
    resume the target, the rows go."""
    provider, variant = refusal
    make = row_maker(provider, make_user)
    rows = [make() for _ in range(3)]
    for row in rows:
        provider.refuse_credentials(variant, row.user_target.target_user_id)
    result = deliver_due(batch_size=1)
    assert (result.delivered, result.retried, result.failed) == (0, 0, 0)
    assert result.not_configured == 3
    assert all(untouched(row) for row in rows)
    target = rows[0].user_target.target
    pause = TargetPause.objects.get(target=target)
    assert pause.source == TargetPause.CREDENTIALS and pause.paused_by is None
    assert pause.reason  # what the provider said
    # Paused: a later run claims none of its rows, even with the fault gone.
    for row in rows:
        provider.accept_credentials(row.user_target.target_user_id)
    assert deliver_due().claimed == 0
    assert all(untouched(row) for row in rows)
    assert resume_target(target)
    assert deliver_due().delivered == 3


STEPS = ("connect", "build", "transmit")


@pytest.mark.parametrize("step", STEPS)
def test_improperly_configured_at_any_step_pauses_the_target(
    provider, due_row, monkeypatch, step
):
    """ImproperlyConfigured raised once the channel is open (opening it,
    building a message, sending it) is the configuration's fault: the rows
    go back untouched and the target is paused ("configuration")."""
    rows = [due_row() for _ in range(2)]
    cls = channel_type(provider.module_name)
    # The function-based channel (the original package's) has no connect.
    if not hasattr(cls, step):
        pytest.skip(f"{cls.__name__} has no {step} step")

    def broken(self, *args, **kwargs):
        raise ImproperlyConfigured(f"the {step} step needs a setting")

    monkeypatch.setattr(cls, step, broken)
    result = deliver_due(batch_size=1)
    assert (result.delivered, result.retried, result.failed) == (0, 0, 0)
    assert result.not_configured == 2
    assert all(untouched(row) for row in rows)
    pause = TargetPause.objects.get(target=rows[0].user_target.target)
    assert pause.source == TargetPause.CONFIGURATION
    assert f"the {step} step needs a setting" in pause.reason
