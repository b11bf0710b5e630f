"""What the "Send test notification" action of the TargetUserRecord admin does.

One short notification per selected address (not per user: a user's other
addresses in the same channel are left alone), sent at once through the
engine's ``send_now`` with its claims, and reported per address on the run's
result page: every selected address, the ones skipped (inactive, user opted
out) too.

A test is now or never: one that could not go now (its provider is not
configured) is cancelled at once (OPTED_OUT, cancelled by the staff member
who sent it), so it never goes out, stale, the day the provider is set up;
with ``max_retries=0`` a failed test is not tried again either.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from ..delivery import send_now
from ..models import Notification
from .actions import Report
from .results import run_report
from .unsent import entry

SOURCE = "admin-test"


def test_message(request, now):
    title = gettext("Test notification")
    body = gettext(
        "This is a test message from the notification console, sent by "
        "%(user)s at %(time)s UTC."
    ) % {"user": request.user.get_username(), "time": f"{now:%Y-%m-%d %H:%M:%S}"}
    return title, body


def create_tests(records, title, body, now):
    """Returns ``(created, skipped)``; ``skipped`` holds the unsent entries
    of the records no test was made for (inactive, user opted out)."""
    created, skipped = [], []
    for record in records:
        if not record.active:
            skipped.append(entry(None, "inactive_address", record=record))
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
            skipped.append(entry(None, "user_opted_out", record=record))
    return created, skipped


def withdraw(ids, user, result):
    """Cancel the tests the run left unsent: ``{pk: (reason, params)}``."""
    left = Notification.objects.filter(
        pk__in=ids, status__in=Notification.OPEN_STATUSES
    ).select_related("user_target__target")
    reasons = {}
    for notification in left:
        module = notification.user_target.target.notification_module_name
        missing = ", ".join(result.missing_settings.get(module, ()))
        reasons[notification.pk] = ("test_withdrawn", {"missing": missing or "-"})
    if reasons:
        Notification.objects.filter(pk__in=list(reasons)).update(
            status=Notification.OPTED_OUT,
            cancelled_at=timezone.now(),
            cancelled_by=user.pk,
            claim_token=None,
            claimed_until=None,
            modified=timezone.now(),
        )
    return reasons


def send_test_notifications(request, queryset):
    """Create and send the tests; the report ends on the run's result page,
    which lists each address with its outcome and the provider's reason."""
    now = timezone.now()
    title, body = test_message(request, now)
    created, skipped = create_tests(
        queryset.select_related("target", "user"), title, body, now
    )
    report = Report().added(created, gettext("Send test notification (admin action)."))
    ids = [n.pk for n in created]
    result = send_now(Notification.objects.filter(pk__in=ids), source=SOURCE)
    withdrawn = withdraw(ids, request.user, result)
    if withdrawn:
        report.changed(
            [n for n in created if n.pk in withdrawn],
            gettext(
                "Send test notification (admin action): not sent now (provider "
                "not configured), cancelled so that it never goes out later."
            ),
        )
    return run_report(
        request,
        result,
        label=gettext("Test notifications"),
        selected=ids,
        before=skipped,
        report=report,
        reasons=withdrawn,
    )
