"""The "Send test notification" action of the TargetUserRecord admin.

One short notification per selected address (not per user: a user's other
addresses in the same channel are left alone), sent at once through the
engine's ``send_now`` with its claims, and reported per address.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from ..delivery import send_now
from ..models import Notification
from .actions import log_addition

SOURCE = "admin-test"


def test_message(request, now):
    title = gettext("Test notification")
    body = gettext(
        "This is a test message from the notification console, sent by "
        "%(user)s at %(time)s UTC."
    ) % {"user": request.user.get_username(), "time": f"{now:%Y-%m-%d %H:%M:%S}"}
    return title, body


def create_tests(records, title, body, now):
    """Returns ``(created, skipped)``; ``skipped`` holds ``(record, reason)``."""
    created, skipped = [], []
    for record in records:
        if not record.active:
            skipped.append((record, gettext("inactive address")))
            continue
        try:
            # max_retries=0: a failed test is reported now, not retried later.
            created.append(
                Notification.objects.create(
                    user_target=record,
                    title=title,
                    body=body,
                    scheduled_delivery=now,
                    max_retries=0,
                )
            )
        except ValidationError:
            # The seed's rule 3: nothing is saved for an opted-out user.
            skipped.append((record, gettext("user opted out")))
    return created, skipped


def send_test_notifications(model_admin, request, queryset):
    now = timezone.now()
    title, body = test_message(request, now)
    created, skipped = create_tests(queryset.select_related("target"), title, body, now)
    log_addition(request, created, gettext("Send test notification (admin action)."))
    result = send_now(
        Notification.objects.filter(pk__in=[n.pk for n in created]), source=SOURCE
    )
    model_admin.message_user(
        request,
        gettext(
            "Test notifications: %(delivered)d delivered, %(failed)d failed, "
            "%(inactive)d inactive device, %(retried)d to retry, %(skipped)d skipped."
        )
        % {**result.as_dict(), "skipped": result.skipped + len(skipped)},
        messages.SUCCESS
        if result.delivered == len(created) and not skipped
        else messages.WARNING,
    )
    for line in _problems(created, skipped):
        model_admin.message_user(request, line, messages.WARNING)
    return None


def _problems(created, skipped):
    """One line per address that did not get its test message."""
    for record, reason in skipped:
        yield f"{record.target_user_id}: {reason}"
    failed = (
        Notification.objects.filter(pk__in=[n.pk for n in created])
        .exclude(status=Notification.DELIVERED)
        .select_related("user_target")
        .prefetch_related("attempts")
    )
    for notification in failed:
        attempt = next(iter(notification.attempts.all()), None)
        detail = (
            f" ({attempt.error_code} {attempt.error_message})".rstrip()
            if attempt and (attempt.error_code or attempt.error_message)
            else ""
        )
        address = notification.user_target.target_user_id
        yield f"{address}: {notification.status}{detail}"
