"""Apply verdicts: attempts, notifications, records and history, in bulk.

A batch of verdicts (1 from a webhook, up to 1,000 from a receipts request)
costs at most one UPDATE of attempts, one UPDATE per new notification status
(three at most), one UPDATE of records and one INSERT of history rows,
whatever its size. A ProviderEvent row is written for each verdict that
changed a notification or a record, or reports a complaint; a confirmation
or progress is stamped on the attempt only.

The attempts UPDATE is the compare-and-set: it only moves an attempt's
provider status up (see ``verdicts.takes``), so of two runs or two
deliveries of one callback only one writes anything.
"""

import contextlib
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from .. import policy
from ..consent.stop import refused_in_feedback, stop_refused
from ..models import DeliveryAttempt, Notification, ProviderEvent, TargetUserRecord
from ..models.expressions import by_pk
from . import verdicts as v

logger = logging.getLogger("notify_admin.feedback")

# What the rules read of an attempt, its notification and record: one SELECT.
PENDING_FIELDS = (
    "pk",
    "provider_id",
    "provider_status",
    "attempted_at",
    "notification_id",
    "notification__status",
    "notification__attempted_delivery",
    "notification__retry_attempts",
    "notification__max_retries",
    "notification__retry_time_interval",
    "notification__user_target_id",
    "notification__user_target__active",
    "notification__user_target__target__notification_module_name",
)


@dataclass(frozen=True)
class Pending:
    """An accepted attempt waiting for (more) provider feedback."""

    attempt_id: int
    provider_id: str
    provider_status: str
    notification_id: object
    record_id: object
    record_active: bool
    retry_time_interval: int
    state: v.NotificationState
    module_name: str = ""

    @classmethod
    def from_row(cls, row):
        (pk, provider_id, provider_status, attempted_at, notification_id) = row[:5]
        status, attempted_delivery, retries, max_retries, interval = row[5:10]
        return cls(
            pk,
            provider_id,
            provider_status,
            notification_id,
            row[10],
            row[11],
            interval,
            v.NotificationState(
                status, attempted_delivery, attempted_at, retries, max_retries
            ),
            row[12],
        )


def load(attempts):
    """``Pending`` rows of an attempts queryset (one SELECT)."""
    return [Pending.from_row(row) for row in attempts.values_list(*PENDING_FIELDS)]


@dataclass
class Plan:
    """What a batch of verdicts changes, worked out without the database."""

    attempts: list
    statuses: dict
    records: dict
    events: list
    counts: Counter


def plan(pairs):
    """Sort ``(Pending, Verdict)`` pairs into the batch's writes (pure)."""
    taken = [(p, x) for p, x in pairs if v.takes(p.provider_status, x)]
    statuses = defaultdict(list)
    records = {}
    events = []
    counts = Counter(unchanged=len(pairs) - len(taken))
    for pending, verdict in taken:
        counts[verdict.kind] += 1
        status = v.new_status(pending.state, verdict)
        if status is not None:
            statuses[status].append(pending)
        deactivate = v.deactivates_record(verdict) and pending.record_active
        if deactivate and pending.record_id not in records:
            records[pending.record_id] = v.inactive_reason(verdict)
        if status is not None or deactivate or verdict.kind == v.COMPLAINED:
            events.append((pending, verdict, status, deactivate))
    return Plan(taken, dict(statuses), records, events, counts)


def apply(pairs, source, now=None):
    """Write what ``pairs`` of (Pending, Verdict) change; return the counts
    by verdict kind (``unchanged``: replays, out-of-order, raced)."""
    now = now or timezone.now()
    work = plan(pairs)
    if not work.attempts:
        return work.counts
    writes = 1 + len(work.statuses) + bool(work.records) + bool(work.events)
    atomic = transaction.atomic() if writes > 1 else contextlib.nullcontext()
    with atomic:
        updated = update_attempts(work.attempts, now)
        if updated < len(work.attempts):
            if len(work.attempts) == 1:
                # Someone else recorded this very verdict first.
                return Counter(unchanged=len(pairs))
            logger.warning(
                "%d of %d attempts changed under a feedback batch",
                len(work.attempts) - updated,
                len(work.attempts),
            )
        for status, rows in work.statuses.items():
            update_notifications(status, rows, now)
        if work.records:
            deactivate_records(work.records, now)
            # An address the provider says opted out (Twilio 21610) is
            # stopped, every record of it, as an SMS STOP does.
            stop_refused(refused_in_feedback(work.attempts))
        if work.events:
            insert_events(work.events, source, now)
    return work.counts


def update_attempts(pairs, now):
    """One UPDATE; each row guarded by the ranks below its verdict's."""
    by_rank = defaultdict(list)
    for pending, verdict in pairs:
        by_rank[verdict.rank].append(pending.attempt_id)
    guard = reduce(
        or_,
        (
            Q(pk__in=pks, provider_status__in=v.statuses_below(rank))
            for rank, pks in by_rank.items()
        ),
    )
    confirmed = [p.attempt_id for p, verdict in pairs if verdict.kind == v.CONFIRMED]
    return DeliveryAttempt.objects.filter(guard).update(
        provider_status=by_pk({p.attempt_id: x.provider_status for p, x in pairs}),
        provider_error_code=by_pk({p.attempt_id: x.error_code for p, x in pairs}),
        provider_status_at=now,
        confirmed_at=Case(
            When(pk__in=confirmed, then=Value(now)), default=F("confirmed_at")
        )
        if confirmed
        else F("confirmed_at"),
        receipt_claim_token=None,
        receipt_claimed_until=None,
    )


def update_notifications(status, rows, now):
    """Move DELIVERED notifications whose delivering attempt got the verdict."""
    delivering = DeliveryAttempt.objects.filter(
        pk__in=[p.attempt_id for p in rows],
        notification=OuterRef("pk"),
        attempted_at=OuterRef("attempted_delivery"),
    )
    changes = {"status": status, "modified": now}
    if status == Notification.RETRY:
        changes["scheduled_delivery"] = by_pk(
            {p.notification_id: retry_at(p, now) for p in rows}
        )
        changes["retry_attempts"] = F("retry_attempts") + 1
    return (
        Notification.objects.filter(
            pk__in=[p.notification_id for p in rows], status=Notification.DELIVERED
        )
        .filter(Exists(delivering))
        .update(**changes)
    )


def retry_at(pending, now):
    """When a retried notification is due again: delivery's own rule."""
    return policy.retry_at(
        pending.retry_time_interval, pending.state.retry_attempts, now
    )


def deactivate_records(reasons, now):
    return TargetUserRecord.objects.deactivate(reasons, now)


def insert_events(events, source, now):
    ProviderEvent.objects.bulk_create(
        [
            ProviderEvent(
                notification_id=pending.notification_id,
                attempt_id=pending.attempt_id,
                received_at=now,
                source=source[:40],
                provider_status=verdict.provider_status,
                provider_error_code=verdict.error_code,
                description=verdict.description,
                status_before=pending.state.status,
                status_after=status or pending.state.status,
                record_deactivated=deactivate,
                payload=verdict.payload,
            )
            for pending, verdict, status, deactivate in events
        ]
    )


def apply_to_provider_id(provider_id, module_names, verdict, source):
    """One event from a webhook: find the attempt by the provider's id and
    apply. Returns ``"applied"``, ``"unchanged"``, ``"ignored"`` or
    ``"unknown"`` (no attempt has that id: logged, nothing changed)."""
    if verdict.kind == v.NOTHING:
        return "ignored"
    # By the provider id alone (its index); the channel is checked on the row,
    # so no join on the targets steers the planner away from that index.
    attempts = DeliveryAttempt.objects.filter(provider_id=provider_id).order_by(
        "-attempted_at"
    )[:1]
    found = load(attempts)
    if not found or found[0].module_name not in module_names:
        logger.info("%s: no attempt has provider id %r; ignored", source, provider_id)
        return "unknown"
    counts = apply([(found[0], verdict)], source)
    return "unchanged" if counts["unchanged"] else "applied"
