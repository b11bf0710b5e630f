"""What the "Send test notification" action of the TargetUserRecord admin does.

One short notification per selected address (not per user: a user's other
addresses in the same channel are left alone), sent at once through the
engine's ``send_now`` with its claims, and reported per address on the run's
result page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from ..delivery import send_now
from ..models import Notification
from .actions import Report
from .results import run_report

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


def send_test_notifications(request, queryset):
    """Create and send the tests; the report ends on the run's result page,
    which lists each address with its outcome and the provider's reason."""
    now = timezone.now()
    title, body = test_message(request, now)
    created, skipped = create_tests(queryset.select_related("target"), title, body, now)
    report = Report().added(created, gettext("Send test notification (admin action)."))
    for record, reason in skipped:
        report.say(f"{record.target_user_id}: {reason}", messages.WARNING)
    result = send_now(
        Notification.objects.filter(pk__in=[n.pk for n in created]), source=SOURCE
    )
    return run_report(
        request,
        result,
        label=gettext("Test notifications"),
        skipped=len(skipped),
        report=report,
    )
