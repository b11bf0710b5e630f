"""The channel contract, run by every built-in channel and the example extra
channel: the same table of provider answers gives the same outcomes, through
the real SDKs against the fake servers, and a run opens one session (one set
of connections) whatever its number of batches.

A channel joins the suite with a ``Provider`` below: how to start its fake,
make a due row, and provoke each answer.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from notify_admin.channels.base import Channel
from notify_admin.delivery import deliver_due
from notify_admin.models import Notification, NotificationTarget, TargetUserRecord
from tests.support.fakes import (
    FakeCoopServer,
    FakeExpoServer,
    FakeSMTPServer,
    FakeTwilioServer,
)
from tests.support.provider_settings import merge_targets

pytestmark = pytest.mark.django_db

# Provider answer -> the status it leaves (dead addresses also make the
# user's record inactive).
TABLE = {
    "accepted": Notification.DELIVERED,
    "transient": Notification.RETRY,
    "permanent": Notification.DELIVERY_FAILURE,
    "dead_address": Notification.INACTIVE_DEVICE,
    "time-out": Notification.RETRY,
    "unreadable answer": Notification.RETRY,
    "connection refused": Notification.RETRY,
}


class Provider:
    module_name = ""
    fake_class = None

    def __init__(self, settings):
        self.settings = settings
        self.fake = self.fake_class().start()
        self.configure()

    def configure(self):
        raise NotImplementedError

    def address(self, n):
        raise NotImplementedError

    def provoke(self, answer, address):
        """Make the fake give ``answer`` to ``address`` (or to everyone)."""
        if answer == "connection refused":
            self.fake.stop()
        elif answer == "time-out":
            self.fake.hang = 1.5  # the clients' time-out is 1 s
        elif answer == "unreadable answer":
            self.fake.garbage = True
        elif answer != "accepted":
            self.fake.errors[address] = self.ERRORS[answer]

    def connections(self):
        return self.fake.connections


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

    def connections(self):
        return len({message["peer"] for message in self.fake.messages})


class Twilio(Provider):
    module_name = "twilio"
    fake_class = FakeTwilioServer
    ERRORS = {"transient": 30001, "permanent": 21606, "dead_address": 21211}

    def configure(self):
        merge_targets(
            self.settings, "twilio_sms", {"base_url": self.fake.url, "timeout": 1}
        )

    def address(self, n):
        return f"+1415555{n:04d}"


class Expo(Provider):
    module_name = "expo"
    fake_class = FakeExpoServer
    ERRORS = {
        "transient": "MessageRateExceeded",
        "permanent": "MessageTooBig",
        "dead_address": "DeviceNotRegistered",
    }

    def configure(self):
        merge_targets(self.settings, "expo", {"host": self.fake.url, "timeout": 1})

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
    }

    def configure(self):
        self.settings.NOTIFICATION_SYSTEM_HANDLERS = ["tests.extensions.handlers"]
        merge_targets(self.settings, "carrier_pigeon", {"coop_url": self.fake.url})
        NotificationTarget.objects.get_or_create(
            name="Pigeon", defaults={"notification_module_name": self.module_name}
        )

    def address(self, n):
        return f"coop {n}"


PROVIDERS = [Email, Twilio, Expo, Pigeon]


@pytest.fixture(params=PROVIDERS, ids=lambda p: p.module_name)
def provider(request, settings):
    provider = request.param(settings)
    yield provider
    provider.fake.stop()


@pytest.fixture
def due_row(provider, make_user):
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


@pytest.mark.parametrize("answer", list(TABLE))
def test_the_same_answer_gives_the_same_outcome(provider, due_row, answer):
    notification = due_row()
    provider.provoke(answer, notification.user_target.target_user_id)
    result = deliver_due()
    notification.refresh_from_db()
    assert notification.status == TABLE[answer]
    assert result.claimed == 1 and result.not_configured == 0
    attempt = notification.attempts.get()
    assert attempt.outcome == TABLE[answer]
    if answer == "accepted":
        assert attempt.provider_id and not attempt.error_code
    else:
        assert attempt.error_code and attempt.error_message
    # Only a dead address retires the user's record.
    assert notification.user_target.active is (answer != "dead_address")
    assert notification.claim_token is None


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
    key = {"email": "email", "twilio": "twilio_sms", "expo": "expo"}.get(
        provider.module_name, provider.module_name
    )
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
