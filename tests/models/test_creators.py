"""Creators: the seed's create_notification for every channel."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notify_admin.channels import email, expo, twilio
from notify_admin.creators import create_notification
from notify_admin.exceptions import (
    NotificationsNotCreated,
    UserHasNoTargetRecords,
    UserIsOptedOut,
)
from notify_admin.models import Notification, NotificationOptOut

pytestmark = pytest.mark.django_db


def test_creates_one_per_active_record(make_user, make_record):
    user = make_user()
    make_record(user, "email")
    make_record(user, "twilio")
    make_record(user, "expo", active=False)
    created = create_notification(user, "Hi", "Body")
    assert len(created) == 2
    assert {n.status for n in created} == {Notification.SCHEDULED}
    assert {n.user_target.target.notification_module_name for n in created} == {
        "email",
        "twilio",
    }


def test_target_by_name_or_instance(make_user, make_record, targets):
    user = make_user()
    make_record(user, "email")
    make_record(user, "twilio")
    (by_name,) = create_notification(user, "Hi", "Body", target="Twilio")
    assert by_name.user_target.target == targets["twilio"]
    (by_instance,) = create_notification(user, "Hi", "Body", target=targets["email"])
    assert by_instance.user_target.target == targets["email"]


def test_twice_with_the_same_arguments_creates_no_duplicate(make_user, make_record):
    user = make_user()
    make_record(user, "email")
    when = timezone.now() + timedelta(hours=1)
    first = create_notification(user, "Hi", "Body", scheduled_delivery=when)
    second = create_notification(user, "Hi", "Body", scheduled_delivery=when)
    assert [n.pk for n in first] == [n.pk for n in second]
    now_first = email.create_notification(user, "Now", "Body", extra={"a": 1})
    now_second = email.create_notification(user, "Now", "Body", extra={"a": 1})
    assert [n.pk for n in now_first] == [n.pk for n in now_second]
    other = email.create_notification(user, "Now", "Body", extra={"a": 2})
    assert other[0].pk != now_first[0].pk
    assert Notification.objects.count() == 3


def test_seed_arguments_are_stored(make_user, make_record):
    user = make_user()
    make_record(user, "expo")
    when = timezone.now() + timedelta(minutes=5)
    (notification,) = expo.create_notification(
        user,
        "Title",
        "Body",
        scheduled_delivery=when,
        retry_time_interval=60,
        max_retries=5,
        extra={"sound": "default"},
    )
    notification.refresh_from_db()
    assert notification.scheduled_delivery == when
    assert (notification.retry_time_interval, notification.max_retries) == (60, 5)
    assert notification.extra == {"sound": "default"}


def test_opted_out_user(make_user, make_record):
    user = make_user()
    make_record(user, "email")
    NotificationOptOut.objects.create(user=user, active=True)
    with pytest.raises(UserIsOptedOut):
        create_notification(user, "Hi", "Body")
    assert create_notification(user, "Hi", "Body", quiet=True) == []
    assert not Notification.objects.exists()


def test_no_records_in_the_channel(make_user, make_record):
    user = make_user()
    make_record(user, "email")
    with pytest.raises(UserHasNoTargetRecords):
        twilio.create_notification(user, "Hi", "Body")
    assert twilio.create_notification(user, "Hi", "Body", quiet=True) == []


def test_no_body_and_no_template(make_user, make_record):
    user = make_user()
    make_record(user, "twilio")
    with pytest.raises(NotificationsNotCreated):
        twilio.create_notification(user, "Hi", "")
    assert twilio.create_notification(user, "Hi", "", quiet=True) == []


def test_email_body_from_template(make_user, make_record, tmp_path, settings):
    (tmp_path / "welcome.html").write_text("<h1>Welcome {{ name }}</h1>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    user = make_user()
    make_record(user, "email")
    (notification,) = email.create_notification(
        user, "Hi", "", extra={"template_name": "welcome.html", "name": "Ada"}
    )
    assert notification.body == "Welcome Ada"


def test_creator_for_a_module_has_the_same_contract(make_user, make_record):
    from notify_admin.creators import creator_for

    user = make_user()
    make_record(user, "twilio")
    (notification,) = creator_for("twilio")(user, "Hi", "SMS")
    assert notification.body == "SMS"
    with pytest.raises(UserHasNoTargetRecords):
        creator_for("expo")(user, "Hi", "Push")


def test_an_extra_modules_own_creator_is_called(settings, make_user):
    """The original package's creators: a channel module's own
    create_notification is the one its creator calls."""
    from notify_admin.creators import creator_for
    from tests.extensions.handlers import carrier_pigeon

    settings.NOTIFICATION_SYSTEM_HANDLERS = ["tests.extensions.handlers"]
    user = make_user()
    assert creator_for("carrier_pigeon")(user, "Hi", "Coo", quiet=True) == [
        ("created", user.pk, "Hi", "Coo")
    ]
    assert carrier_pigeon.created[-1] == (user.pk, "Hi", "Coo", True)


def test_unknown_target_name(make_user, make_record):
    user = make_user()
    make_record(user, "email")
    with pytest.raises(UserHasNoTargetRecords, match="'Fax'"):
        create_notification(user, "Hi", "Body", target="Fax")
    assert create_notification(user, "Hi", "Body", target="Fax", quiet=True) == []
