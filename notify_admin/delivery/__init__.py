"""The delivery engine: claim due rows with a lease, send, record the outcomes.

One job a module, in the order a run goes through them (docs/architecture.md
follows one notification along this path):

- :mod:`.run`: the entry points (``deliver_due``, ``send_now``, ``plan_due``),
  the batches each one picks and the DeliveryRun row;
- :mod:`.result`: :class:`RunResult`, what a run reports (changed only
  through its methods);
- :mod:`.claims`: claiming a batch with a lease (compare-and-set);
- :mod:`.pipeline`: one batch sent while the next is claimed;
- :mod:`.batch`: a claimed batch, sorted into opted-out rows and channels;
- :mod:`.leases`: renewing a batch's lease while it is being sent;
- :mod:`.sending`: the run's channel instances, opened once, and the rows of
  channels that are not configured (or whose credentials were refused);
- :mod:`.pauses`: pausing and resuming a target (claims skip its rows);
- :mod:`.gate`: the circuit breaker and rate limit every request passes;
- :mod:`.limits`: the rate limits shared by every process (Redis or the
  database);
- :mod:`.backoff`: targets left alone for a while (a tripped breaker, a
  daily cap);
- :mod:`.outcomes`: what each Outcome does to its row (pure functions);
- :mod:`.recording`: writing a batch's outcomes in one transaction;
- :mod:`.logs`: the structured log lines.

A worker that dies leaves leased rows; they are due again once the lease has
expired. A batch costs the same handful of SQL statements whatever its size.
"""

import logging

from ..channels.outcome import Outcome
from ..models import DeliveryAttempt, Notification
from ..models.delivery_attempt_queryset import ATTEMPT_COLUMNS
from ..models.notification_queryset import lease_free_q as lease_free
from .batch import Batch, in_background, split
from .claims import (
    UNREAD_WHILE_SENDING,
    claim_due,
    claim_ids,
    due_queryset,
    fetch_claimed,
    lease_until,
)
from .leases import LeaseKeeper
from .outcomes import final_status, plan_batch, retry_at
from .pipeline import Pipeline
from .recording import record, record_batch
from .result import RunResult
from .run import deliver_due, execute, plan_due, send_now
from .sending import NotConfigured, RunChannels, not_configured_targets

logger = logging.getLogger("notify_admin.delivery")

# What "send now" may send again: open rows and failed ones.
SENDABLE_NOW = Notification.SENDABLE_NOW_STATUSES


def insert_attempts(rows, attempted_at, run_id=None):
    """Insert attempt rows (see ``DeliveryAttempt.objects.insert_rows``)."""
    DeliveryAttempt.objects.insert_rows(rows, attempted_at, run_id=run_id)


def send_groups(groups):
    """Send ``{module_name: rows}`` through channels opened for this call;
    return ``{pk: Outcome}`` (rows of unconfigured channels get none)."""
    channels = RunChannels()
    try:
        return channels.send_groups(groups).outcomes
    finally:
        channels.close()


def send_group(module_name, rows):
    """One channel's rows, as :func:`send_groups`."""
    return send_groups({module_name: rows})


__all__ = [
    "ATTEMPT_COLUMNS",
    "Batch",
    "LeaseKeeper",
    "NotConfigured",
    "Outcome",
    "Pipeline",
    "RunChannels",
    "RunResult",
    "SENDABLE_NOW",
    "UNREAD_WHILE_SENDING",
    "claim_due",
    "claim_ids",
    "deliver_due",
    "due_queryset",
    "execute",
    "fetch_claimed",
    "final_status",
    "in_background",
    "insert_attempts",
    "lease_free",
    "lease_until",
    "not_configured_targets",
    "plan_batch",
    "plan_due",
    "record",
    "record_batch",
    "retry_at",
    "send_group",
    "send_groups",
    "send_now",
    "split",
]
