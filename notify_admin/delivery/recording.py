"""Recording: write a sent batch's outcomes, in one transaction.

A fixed handful of statements per batch, whatever its size: one UPDATE per
final status, one for the retries, one for dead addresses, one INSERT of the
attempt rows (``DeliveryAttempt.objects.insert_rows``), one UPDATE of the
run's counters. Every UPDATE is guarded by the batch's claim token, and
clears it: a row another worker took over meanwhile is left to it.
"""

import logging
import time

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, CharField, DateTimeField, F, Value, When
from django.utils import timezone

from .. import conf
from ..consent.stop import refused_in_batch, stop_refused
from ..models import DeliveryAttempt, DeliveryRun, Notification, TargetUserRecord
from . import backoff, pauses
from .logs import log_event
from .outcomes import plan_batch

logger = logging.getLogger("notify_admin.delivery")


def record_batch(batch, result, cutoff):
    """Record ``batch``; after a lost database connection, reconnect once."""
    try:
        record(batch, result, cutoff)
    except (OperationalError, InterfaceError):
        # The batch has gone out: losing its outcomes would send it all again
        # once the lease runs out. A connection that dropped while the
        # provider was being called (database restart, fail-over, idle
        # time-out) gets one new connection to record them. Never inside a
        # transaction, which a new connection would silently leave.
        if connection.in_atomic_block:
            raise
        logger.warning(
            "The connection to the database was lost while batch %s was being "
            "sent; reconnecting to record its outcomes.",
            batch.token,
        )
        connection.close()
        # Rows still holding the token: the first try wrote nothing.
        if Notification.objects.filter(claim_token=batch.token).exists():
            record(batch, result, cutoff)


def record(batch, result, cutoff):
    """Write the batch's outcomes and add them to ``result``."""
    now = timezone.now()
    plan = plan_batch(
        batch.to_send,
        batch.outcomes,
        now=now,
        cutoff=cutoff,
        backoff=conf.retry_backoff(),
    )
    counts = dict(plan.counts)
    if batch.opted_out:
        counts["opted_out"] = len(batch.opted_out)
    if batch.deferred:
        counts["deferred"] = len(batch.deferred)
    for reason in batch.release_reasons.values():
        counts[reason] = counts.get(reason, 0) + 1
    opted_out = group_by(batch.opt_out_reasons)
    mine = Notification.objects.filter(claim_token=batch.token)
    # The batch is every row holding the token. When all of them end the same
    # way (the usual case: all delivered), the token alone selects them and
    # the UPDATE needs no list of hundreds of ids.
    groups = len(plan.by_status) + bool(plan.retries) + len(opted_out)
    whole = groups + bool(batch.deferred) + bool(batch.released) == 1

    def of(pks):
        return mine if whole else mine.filter(pk__in=pks)

    released = {"claim_token": None, "claimed_until": None, "modified": now}
    with transaction.atomic():
        # Pauses and back-offs first: committed with the release of the rows
        # they hold, so no other run claims those rows in between.
        write_holds(batch)
        if batch.released:
            # Not sent, not tried: back as they were, for a configured run.
            of([n.pk for n in batch.released]).update(
                claim_token=None, claimed_until=None
            )
        for reason, pks in opted_out.items():
            of(pks).update(
                status=Notification.OPTED_OUT, opted_out_reason=reason, **released
            )
        if batch.deferred:
            record_deferrals(of, batch.deferred, released)
        for status, pks in plan.by_status.items():
            of(pks).update(status=status, attempted_delivery=now, **released)
        if plan.retries:
            record_retries(of, plan.retries, now, released)
        if plan.dead_records:
            TargetUserRecord.objects.deactivate(plan.dead_records, now)
            # An address the provider says opted out (Twilio 21610) is
            # stopped, every record of it, as an SMS STOP does.
            stop_refused(refused_in_batch(batch.to_send, batch.outcomes))
        DeliveryAttempt.objects.insert_rows(plan.attempts, now, run_id=result.run_id)
        # The run's row follows its progress, in the same transaction as the
        # outcomes: a page polling it never sees more than was written.
        stored = {k: v for k, v in counts.items() if k in result.RUN_COUNTERS}
        DeliveryRun.objects.filter(pk=result.run_id).update(
            claimed=result.claimed,
            **{counter: F(counter) + count for counter, count in stored.items()},
        )
    # Counted once written: a record() retried after a lost connection must
    # not count the batch twice.
    result.add(counts)
    log_event(
        logger,
        logging.INFO,
        "batch recorded",
        run_id=result.run_id,
        rows=len(batch.rows),
        **counts,
        send_seconds=batch.send_seconds,
        seconds=time.monotonic() - batch.claimed_at,
    )


def write_holds(batch):
    """The pauses (refused credentials, configuration) and the gates'
    decisions (breaker tripped or recovered, daily cap) of this batch."""
    for module_name, (source, reason) in batch.pauses.items():
        for target_id in backoff.targets_of(module_name):
            pauses.pause_target(target_id, reason=reason, source=source)
    for module_name, change, reason in batch.gate_changes:
        if change == "tripped":
            backoff.trip(module_name, reason)
        elif change == "recovered":
            backoff.recover(module_name)
        elif change == "capped":
            backoff.cap(module_name, reason)


def group_by(values):
    """``{pk: value}`` -> ``{value: [pks]}``."""
    groups = {}
    for pk, value in values.items():
        groups.setdefault(value, []).append(pk)
    return groups


def record_deferrals(of, deferred, released):
    """Held rows: released with their new time, status and retries as they
    were (one UPDATE whatever the number of distinct times)."""
    by_time = group_by(deferred)
    if len(by_time) == 1:
        ((until, reason),) = by_time
        until, reason = Value(until), Value(reason)
    else:
        until = Case(
            *[When(pk__in=pks, then=Value(at)) for (at, _r), pks in by_time.items()],
            output_field=DateTimeField(),
        )
        reason = Case(
            *[When(pk__in=pks, then=Value(r)) for (_at, r), pks in by_time.items()],
            output_field=CharField(),
        )
    of(list(deferred)).update(
        scheduled_delivery=until,
        deferred_until=until,
        deferral_reason=reason,
        **released,
    )


def record_retries(of, retries, now, released):
    pks = [pk for group in retries.values() for pk in group]
    if len(retries) == 1:
        scheduled = Value(next(iter(retries)))
    else:
        # One statement whatever the number of distinct retry times.
        scheduled = Case(
            *[When(pk__in=group, then=Value(at)) for at, group in retries.items()],
            output_field=DateTimeField(),
        )
    of(pks).update(
        status=Notification.RETRY,
        attempted_delivery=now,
        scheduled_delivery=scheduled,
        retry_attempts=F("retry_attempts") + 1,
        **released,
    )
