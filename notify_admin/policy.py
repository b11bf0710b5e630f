"""The delivery policy, once, for both directions.

Sending (:mod:`notify_admin.delivery.outcomes`) and feedback
(:mod:`notify_admin.feedback.verdicts` / ``recording``) apply the same rules
to a notification that failed, whenever the provider said so:

- :func:`after_failure`: a failure worth another try is retried while
  retries remain (``retry_attempts < max_retries``), else it fails;
- :func:`retry_at`: when a retried row is due again:
  ``retry_time_interval * NOTIFICATION_SYSTEM_RETRY_BACKOFF ** retry_attempts``
  seconds after now (and, for a run, after its cut-off, so that one run
  never retries a row it has just tried);
- :func:`inactive_reason_text`: what a record keeps for why it went inactive.
  The write itself is ``TargetUserRecord.objects.deactivate({pk: reason})``
  (inactive, with the reason and the time), for both directions too.
"""

from datetime import timedelta

from . import conf
from .models import Notification

# A retry is scheduled strictly after the run's cut-off.
AFTER_CUTOFF = timedelta(microseconds=1)
REASON_LENGTH = 200


def after_failure(retry_attempts, max_retries):
    """RETRY while retries remain, else DELIVERY_FAILURE."""
    if retry_attempts < max_retries:
        return Notification.RETRY
    return Notification.DELIVERY_FAILURE


def retry_delay(retry_time_interval, retry_attempts, backoff=None):
    backoff = conf.retry_backoff() if backoff is None else backoff
    return timedelta(seconds=retry_time_interval * (backoff**retry_attempts))


def retry_at(retry_time_interval, retry_attempts, now, *, cutoff=None, backoff=None):
    """When a row that failed at ``now`` is due again (after ``cutoff`` too)."""
    start = now if cutoff is None else max(now, cutoff + AFTER_CUTOFF)
    return start + retry_delay(retry_time_interval, retry_attempts, backoff)


def inactive_reason_text(code, description="", status=""):
    """``Dead address: <status> (<code>). <description>`` (what is known of
    it), at most 200 characters."""
    code = f"({code})" if code else ""
    label = " ".join(part for part in (status, code) if part)
    text = "Dead address" + (f": {label}." if label else ".")
    if description:
        text += f" {description}"
    return " ".join(text.split())[:REASON_LENGTH].strip()
