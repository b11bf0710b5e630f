"""Outcome policy: what each Outcome does to its notification (pure functions).

No database here: given the rows of a batch and their Outcomes, ``plan_batch``
says which rows end in which status, when each retry is due, which records
are dead (and why), what every attempt row holds and what the run's counters
gain. :mod:`.recording` writes the plan. The rules themselves (retry or fail,
the retry time, the inactive reason) are :mod:`notify_admin.policy`'s, which
feedback applies too.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from .. import policy
from ..channels.outcome import Outcome
from ..models.notification import Notification

AFTER_CUTOFF = policy.AFTER_CUTOFF

STATUS_OF_KIND = {
    Outcome.SENT: Notification.DELIVERED,
    Outcome.PERMANENT: Notification.DELIVERY_FAILURE,
    Outcome.DEAD_ADDRESS: Notification.INACTIVE_DEVICE,
}
COUNTER_OF_STATUS = {
    Notification.DELIVERED: "delivered",
    Notification.RETRY: "retried",
    Notification.DELIVERY_FAILURE: "failed",
    Notification.INACTIVE_DEVICE: "inactive",
}


def final_status(notification, outcome):
    """The status an outcome gives: a transient one retries while retries remain."""
    if outcome.kind == Outcome.TRANSIENT:
        return policy.after_failure(
            notification.retry_attempts, notification.max_retries
        )
    return STATUS_OF_KIND.get(outcome.kind, Notification.DELIVERY_FAILURE)


def retry_at(notification, now, cutoff, backoff=1):
    """When a retried row is due again (:func:`notify_admin.policy.retry_at`)."""
    return policy.retry_at(
        notification.retry_time_interval,
        notification.retry_attempts,
        now,
        cutoff=cutoff,
        backoff=backoff,
    )


def inactive_reason(outcome):
    """What the record keeps for why its address is dead."""
    return policy.inactive_reason_text(outcome.error_code, outcome.error_message)


def attempt_row(notification, outcome, status):
    """An attempt row's values, in ``DeliveryAttempt.objects.insert_rows`` order."""
    return (
        notification.pk,
        status,
        notification.user_target.target_user_id[:200],
        outcome.provider_id[:200],
        outcome.error_code[:100],
        outcome.error_message,
        outcome.response,
    )


@dataclass
class BatchPlan:
    """What recording a batch writes."""

    #: Final statuses (not RETRY): status -> notification ids.
    by_status: dict = field(default_factory=lambda: defaultdict(list))
    #: Retries: due time -> notification ids.
    retries: dict = field(default_factory=lambda: defaultdict(list))
    #: Target user records to make inactive: pk -> reason.
    dead_records: dict = field(default_factory=dict)
    attempts: list = field(default_factory=list)
    #: RunResult counter -> amount.
    counts: dict = field(default_factory=lambda: defaultdict(int))


def plan_batch(rows, outcomes, *, now, cutoff, backoff=1):
    """The plan for ``rows`` (notifications that were tried) given
    ``outcomes`` ({pk: Outcome})."""
    plan = BatchPlan()
    for notification in rows:
        outcome = outcomes[notification.pk]
        status = final_status(notification, outcome)
        if status == Notification.RETRY:
            when = retry_at(notification, now, cutoff, backoff)
            plan.retries[when].append(notification.pk)
        else:
            plan.by_status[status].append(notification.pk)
        if outcome.kind == Outcome.DEAD_ADDRESS and notification.user_target.active:
            plan.dead_records.setdefault(
                notification.user_target_id, inactive_reason(outcome)
            )
        plan.attempts.append(attempt_row(notification, outcome, status))
        plan.counts[COUNTER_OF_STATUS[status]] += 1
    return plan
