"""The registry: built-in channels, extra channels from directories and dotted
paths, and the engine's use of them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notify_admin.channels import available_module_names, get_channel
from notify_admin.channels.email import EmailChannel
from notify_admin.delivery import deliver_due
from notify_admin.exceptions import NotificationSystemError, UnknownChannel
from notify_admin.models import Notification, NotificationTarget, TargetUserRecord
from tests.extensions.handlers import carrier_pigeon

DIRECTORY_CHANNEL = """
from notify_admin.channels.base import Channel, Outcome


class Channel(Channel):
    module_name = "{name}"

    def send_batch(self, notifications):
        return {{n.pk: Outcome.sent("dir-" + n.title) for n in notifications}}
"""


def test_built_ins():
    assert isinstance(get_channel("email"), EmailChannel)
    assert get_channel("twilio").module_name == "twilio"
    assert get_channel("expo").module_name == "expo"
    assert available_module_names()[:3] == ["email", "twilio", "expo"]


def test_unknown_channel_is_a_lookup_error():
    with pytest.raises(UnknownChannel) as info:
        get_channel("pigeon")
    assert isinstance(info.value, LookupError)
    assert isinstance(info.value, NotificationSystemError)
    assert "'pigeon'" in str(info.value)


def test_directory_locations(settings, tmp_path):
    (tmp_path / "semaphore.py").write_text(DIRECTORY_CHANNEL.format(name="semaphore"))
    (tmp_path / "_private.py").write_text("")
    settings.NOTIFICATION_SYSTEM_CREATORS = [str(tmp_path)]
    assert get_channel("semaphore").module_name == "semaphore"
    assert "semaphore" in available_module_names()
    assert "_private" not in available_module_names()


def test_dotted_locations(settings):
    settings.NOTIFICATION_SYSTEM_HANDLERS = ["tests.extensions.handlers"]
    assert "carrier_pigeon" in available_module_names()
    assert get_channel("carrier_pigeon").module_name == "carrier_pigeon"
    with pytest.raises(UnknownChannel):
        get_channel("owl")


@pytest.fixture
def pigeon_notification(settings, make_user):
    """Makes a due notification for the extra channel ``carrier_pigeon``."""
    settings.NOTIFICATION_SYSTEM_HANDLERS = ["tests.extensions.handlers"]
    target = NotificationTarget.objects.create(
        name="Pigeon", notification_module_name="carrier_pigeon"
    )

    def make(body, user=None):
        record = TargetUserRecord.objects.create(
            user=user or make_user(), target=target, target_user_id="coop"
        )
        return Notification.objects.create(
            user_target=record,
            title="t",
            body=body,
            scheduled_delivery=timezone.now() - timedelta(seconds=1),
        )

    return make


@pytest.mark.django_db
def test_engine_sends_through_an_extra_channel(pigeon_notification):
    make = pigeon_notification
    ok, boom, dead = make("hello"), make("explode"), make("no such coop")
    result = deliver_due()
    assert (result.delivered, result.retried, result.inactive) == (1, 1, 1)
    assert ok.pk in carrier_pigeon.sent
    ok.refresh_from_db()
    assert ok.status == Notification.DELIVERED
    assert ok.attempts.get().provider_id.startswith("pigeon-")
    boom.refresh_from_db()
    assert boom.status == Notification.RETRY
    assert "the pigeon flew off" in boom.attempts.get().error_message
    dead.refresh_from_db()
    assert dead.status == Notification.INACTIVE_DEVICE
    assert dead.user_target.active is False


@pytest.mark.django_db
def test_an_extra_channel_may_read_the_database_while_sending(
    pigeon_notification, make_user
):
    """Extra channels send on the run's own thread and database connection
    (built-in ones, which never touch the database, send in the background):
    in a test transaction another connection would not even see the row."""
    notification = pigeon_notification("to the user", user=make_user(username="ada"))
    assert deliver_due().delivered == 1
    assert notification.attempts.get().provider_id == "pigeon-to-ada"


@pytest.mark.django_db
def test_a_channel_that_raises_makes_its_batch_retry(
    monkeypatch, make_user, make_record
):
    def explode(self, notifications):
        raise RuntimeError("provider SDK bug")

    monkeypatch.setattr(EmailChannel, "send_batch", explode)
    record = make_record(make_user(), "email")
    notification = Notification.objects.create(
        user_target=record,
        title="t",
        body="b",
        scheduled_delivery=timezone.now() - timedelta(seconds=1),
    )
    assert deliver_due().retried == 1
    notification.refresh_from_db()
    assert notification.status == Notification.RETRY
    assert notification.claim_token is None
    assert "provider SDK bug" in notification.attempts.get().error_message
