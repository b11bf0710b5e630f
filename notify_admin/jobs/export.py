"""A job's notifications with their outcome, for the job page's export.

``EXPORT_COLUMNS`` and :func:`export_rows` (lists of cells, in that order)
fit :func:`notify_admin.admin.streaming_export.delimited_chunks`, which
escapes formula cells. The reason is the provider's (the last attempt's
error, or its later delivery report), a staff cancellation, or why the row
was opted out. Read with a server-side cursor (``iterator``) a chunk at a
time: memory stays flat whatever the job's size; the last attempt comes
from subqueries in the same statement (no query per row).
"""

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery

from ..models import DeliveryAttempt, Notification

EXPORT_COLUMNS = (
    "id",
    "user",
    "target",
    "address",
    "status",
    "reason",
    "error_code",
    "provider_status",
    "scheduled_delivery",
    "attempted_delivery",
    "retry_attempts",
    "title",
)
CHUNK_SIZE = 2000


def _last_attempt(name):
    return Subquery(
        DeliveryAttempt.objects.filter(notification=OuterRef("pk"))
        .order_by("-attempted_at", "-pk")
        .values(name)[:1]
    )


def export_rows(job):
    """A list of cells per notification of ``job``, in EXPORT_COLUMNS' order."""
    rows = (
        Notification.objects.filter(send_job_id=job.pk)
        .order_by("pk")
        .annotate(
            last_error=_last_attempt("error_message"),
            last_code=_last_attempt("error_code"),
            last_provider_status=_last_attempt("provider_status"),
            last_provider_code=_last_attempt("provider_error_code"),
        )
        .values_list(
            "pk",
            f"user_target__user__{get_user_model().USERNAME_FIELD}",
            "user_target__target__name",
            "user_target__target_user_id",
            "status",
            "cancelled_at",
            "opted_out_reason",
            "last_error",
            "last_code",
            "last_provider_status",
            "last_provider_code",
            "scheduled_delivery",
            "attempted_delivery",
            "retry_attempts",
            "title",
        )
    )
    reasons = dict(Notification.OPT_OUT_REASON_CHOICES)
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        (pk, user, target, address, status, cancelled_at, opted_reason, error,
         code, provider_status, provider_code, scheduled, attempted, retries,
         title) = row  # fmt: skip
        if status == Notification.OPTED_OUT and cancelled_at is not None:
            status, reason = "CANCELLED", "cancelled by staff"
        elif status == Notification.OPTED_OUT:
            reason = str(reasons.get(opted_reason, opted_reason or ""))
        else:
            reason = error or ""
        yield [
            str(pk),
            user,
            target,
            address,
            status,
            reason,
            provider_code or code or "",
            provider_status or "",
            scheduled.isoformat() if scheduled else "",
            attempted.isoformat() if attempted else "",
            retries,
            title,
        ]
