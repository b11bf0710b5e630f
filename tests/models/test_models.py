from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notify_admin.models import (
    DeliveryAttempt,
    Notification,
    NotificationOptOut,
    NotificationTarget,
    TargetUserRecord,
    UserInNotificationTarget,
)

pytestmark = pytest.mark.django_db


def test_builtin_targets_are_preloaded():
    assert dict(
        NotificationTarget.objects.values_list("name", "notification_module_name")
    ) == {"Email": "email", "Twilio": "twilio", "Expo": "expo", "Web Push": "webpush"}


def test_alias_is_the_same_model():
    assert UserInNotificationTarget is TargetUserRecord


def test_notification_defaults(make_user, make_record):
    record = make_record(make_user())
    n = Notification.objects.create(user_target=record, title="t", body="b")
    n.refresh_from_db()
    assert (
        n.status,
        n.extra,
        n.retry_time_interval,
        n.retry_attempts,
        n.max_retries,
    ) == (
        "SCHEDULED",
        {},
        0,
        0,
        3,
    )
    assert record.notifications.get() == n


class TestNotificationDataChecks:
    def test_scheduled_with_attempted_delivery_is_refused(self, make_user, make_record):
        record = make_record(make_user())
        with pytest.raises(ValidationError) as err:
            Notification.objects.create(
                user_target=record,
                title="t",
                body="b",
                status=Notification.SCHEDULED,
                attempted_delivery=timezone.now(),
            )
        assert "status" in err.value.message_dict
        assert not Notification.objects.exists()

    @pytest.mark.parametrize(
        "status",
        ["DELIVERED", "DELIVERY_FAILURE", "RETRY", "INACTIVE_DEVICE"],
    )
    def test_attempted_statuses_need_an_attempted_delivery(
        self, status, make_user, make_record
    ):
        record = make_record(make_user())
        with pytest.raises(ValidationError) as err:
            Notification.objects.create(
                user_target=record, title="t", body="b", status=status
            )
        assert "attempted_delivery" in err.value.message_dict
        Notification.objects.create(
            user_target=record,
            title="t",
            body="b",
            status=status,
            attempted_delivery=timezone.now(),
        )
        assert Notification.objects.filter(status=status).count() == 1

    def test_opted_out_needs_no_attempt(self, make_user, make_record):
        record = make_record(make_user())
        Notification.objects.create(
            user_target=record, title="t", body="b", status=Notification.OPTED_OUT
        )

    def test_nothing_saved_for_an_opted_out_user(self, make_user, make_record):
        user = make_user()
        record = make_record(user)
        NotificationOptOut.objects.create(user=user, active=True)
        with pytest.raises(ValidationError) as err:
            Notification.objects.create(user_target=record, title="t", body="b")
        assert "opted out" in str(err.value)
        assert not Notification.objects.exists()

    def test_inactive_opt_out_does_not_block(self, make_user, make_record):
        user = make_user()
        record = make_record(user)
        NotificationOptOut.objects.create(user=user, active=False)
        Notification.objects.create(user_target=record, title="t", body="b")

    def test_update_of_existing_row_is_checked_too(self, make_user, make_record):
        n = Notification.objects.create(
            user_target=make_record(make_user()), title="t", body="b"
        )
        n.status = Notification.DELIVERED
        with pytest.raises(ValidationError):
            n.save()
        assert Notification.objects.get().status == "SCHEDULED"


class TestOptOut:
    def test_active_opt_out_turns_open_notifications_into_opted_out(
        self, make_user, make_record
    ):
        user, other = make_user(), make_user()
        record, other_record = make_record(user), make_record(other)
        now = timezone.now()
        made = {
            status: Notification.objects.create(
                user_target=record,
                title=status,
                body="b",
                status=status,
                attempted_delivery=None if status == "SCHEDULED" else now,
            )
            for status in ["SCHEDULED", "RETRY", "DELIVERED", "DELIVERY_FAILURE"]
        }
        untouched = Notification.objects.create(
            user_target=other_record, title="x", body="b"
        )

        with CaptureQueriesContext(connection) as ctx:
            NotificationOptOut.objects.create(user=user, active=True)
        updates = [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
        assert len(updates) == 1

        statuses = {
            n.title: n.status for n in Notification.objects.filter(user_target=record)
        }
        assert statuses == {
            "SCHEDULED": "OPTED_OUT",
            "RETRY": "OPTED_OUT",
            "DELIVERED": "DELIVERED",
            "DELIVERY_FAILURE": "DELIVERY_FAILURE",
        }
        assert made  # all four were created before the opt-out
        untouched.refresh_from_db()
        assert untouched.status == "SCHEDULED"

    def test_inactive_opt_out_changes_nothing(self, make_user, make_record):
        user = make_user()
        n = Notification.objects.create(
            user_target=make_record(user), title="t", body="b"
        )
        NotificationOptOut.objects.create(user=user, active=False)
        n.refresh_from_db()
        assert n.status == "SCHEDULED"

    def test_reactivating_an_opt_out_applies_the_rule(self, make_user, make_record):
        user = make_user()
        opt_out = NotificationOptOut.objects.create(user=user, active=False)
        n = Notification.objects.create(
            user_target=make_record(user), title="t", body="b"
        )
        opt_out.active = True
        opt_out.save()
        n.refresh_from_db()
        assert n.status == "OPTED_OUT"

    def test_one_opt_out_per_user(self, make_user):
        from django.db import IntegrityError, transaction

        user = make_user()
        NotificationOptOut.objects.create(user=user)
        with pytest.raises(IntegrityError), transaction.atomic():
            NotificationOptOut.objects.create(user=user)


class TestAddressValidation:
    @pytest.mark.parametrize(
        "module,value",
        [
            ("email", "not-an-email"),
            ("email", ""),
            ("twilio", "4155552671"),
            ("twilio", "+1 000"),
            ("twilio", "call me"),
            ("expo", "abc"),
            ("expo", "ExponentPushToken[]"),
        ],
    )
    def test_bad_address_is_a_validation_error_naming_the_field(
        self, module, value, make_user, targets
    ):
        with pytest.raises(ValidationError) as err:
            TargetUserRecord.objects.create(
                user=make_user(), target=targets[module], target_user_id=value
            )
        assert list(err.value.message_dict) == ["target_user_id"]
        assert not TargetUserRecord.objects.exists()

    def test_phone_number_is_normalised_to_e164(self, make_user, targets):
        record = TargetUserRecord.objects.create(
            user=make_user(),
            target=targets["twilio"],
            target_user_id="+1 (415) 555-2671",
        )
        record.refresh_from_db()
        assert record.target_user_id == "+14155552671"

    @pytest.mark.parametrize(
        "token", ["ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]", "ExpoPushToken[abc-123]"]
    )
    def test_expo_tokens_accepted(self, token, make_user, targets):
        TargetUserRecord.objects.create(
            user=make_user(), target=targets["expo"], target_user_id=token
        )

    def test_unknown_module_only_needs_a_value(self, make_user):
        custom = NotificationTarget.objects.create(
            name="Pager", notification_module_name="pager"
        )
        TargetUserRecord.objects.create(
            user=make_user(), target=custom, target_user_id="pager-42"
        )
        with pytest.raises(ValidationError):
            TargetUserRecord.objects.create(
                user=make_user(), target=custom, target_user_id="  "
            )


class TestResetEmailTarget:
    def test_creates_the_email_record(self, make_user, targets):
        user = make_user(first_name="Eggs", last_name="Benedict", email="egg@egg.egg")
        record = TargetUserRecord.reset_email_target(user)
        assert (record.user, record.target, record.target_user_id, record.active) == (
            user,
            targets["email"],
            "egg@egg.egg",
            True,
        )
        assert record.description == "Eggs Benedict's Email"

    def test_is_idempotent(self, make_user):
        user = make_user()
        first = TargetUserRecord.reset_email_target(user)
        second = TargetUserRecord.reset_email_target(user)
        assert first.pk == second.pk
        assert TargetUserRecord.objects.count() == 1

    def test_changed_email_updates_and_moves_open_notifications(
        self, make_user, make_record
    ):
        user = make_user(email="old@example.com")
        old = make_record(user)
        sms = make_record(user, "twilio")
        pending = Notification.objects.create(user_target=old, title="t", body="b")
        sent = Notification.objects.create(
            user_target=old,
            title="t2",
            body="b",
            status="DELIVERED",
            attempted_delivery=timezone.now() - timedelta(days=1),
        )
        user.email = "new@example.com"
        user.save()

        new = TargetUserRecord.reset_email_target(user)

        old.refresh_from_db()
        sms.refresh_from_db()
        assert new.target_user_id == "new@example.com" and new.active
        assert not old.active
        assert sms.active  # other targets are not touched
        pending.refresh_from_db()
        sent.refresh_from_db()
        assert pending.user_target_id == new.pk  # still goes out, to the new address
        assert sent.user_target_id == old.pk  # history stays where it happened

    def test_user_without_email_changes_nothing(self, make_user, make_record):
        user = make_user(email="")
        assert TargetUserRecord.reset_email_target(user) is None
        assert not TargetUserRecord.objects.exists()

    def test_invalid_user_email_is_a_validation_error(self, make_user):
        user = make_user(email="not an email")
        with pytest.raises(ValidationError):
            TargetUserRecord.reset_email_target(user)
        assert not TargetUserRecord.objects.exists()


def test_due_queryset(make_user, make_record):
    record = make_record(make_user())
    now = timezone.now()
    due = Notification.objects.create(
        user_target=record,
        title="due",
        body="b",
        scheduled_delivery=now - timedelta(minutes=1),
    )
    Notification.objects.create(
        user_target=record,
        title="later",
        body="b",
        scheduled_delivery=now + timedelta(hours=1),
    )
    leased = Notification.objects.create(
        user_target=record,
        title="leased",
        body="b",
        scheduled_delivery=now - timedelta(minutes=1),
    )
    Notification.objects.filter(pk=leased.pk).update(
        claimed_until=now + timedelta(minutes=5)
    )
    expired = Notification.objects.create(
        user_target=record,
        title="expired",
        body="b",
        scheduled_delivery=now - timedelta(minutes=1),
    )
    Notification.objects.filter(pk=expired.pk).update(
        claimed_until=now - timedelta(seconds=1)
    )
    assert set(Notification.objects.due(now).values_list("title", flat=True)) == {
        due.title,
        "expired",
    }


def test_delivery_attempt_rows(make_user, make_record):
    n = Notification.objects.create(
        user_target=make_record(make_user()), title="t", body="b"
    )
    DeliveryAttempt.objects.create(
        notification=n, outcome="RETRY", provider_id="SM123", error_code="500"
    )
    assert n.attempts.get().provider_id == "SM123"
