"""The delivery engine: claim due rows with a lease, send, record the outcomes.

1. Claim: a compare-and-set UPDATE gives a batch of rows a claim token and a
   lease (``claimed_until``); on PostgreSQL the candidate SELECT skips rows
   other workers hold (``FOR UPDATE SKIP LOCKED``). The transaction ends before
   any provider is called.
2. Send: rows are grouped by channel and handed over in bulk.
3. Record: one UPDATE per outcome, one INSERT of attempt rows, one UPDATE of
   dead addresses; every UPDATE is guarded by the claim token, and clears it.

A batch is sent by a background thread while the run's own thread claims the
next one; it is sent once the batch before it has been recorded. A worker that
dies leaves leased rows (the batch it was sending and the one it had claimed
next); they are due again once the lease has expired. A batch costs the same
handful of SQL statements whatever its size.
"""

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from . import conf
from .channels.base import Outcome, describe_error
from .channels.registry import BUILT_IN, get_channel
from .exceptions import UnknownChannel
from .models import (
    DeliveryAttempt,
    DeliveryRun,
    Notification,
    NotificationOptOut,
    NotificationTarget,
    TargetUserRecord,
)

logger = logging.getLogger("notify_admin.delivery")

# What "send now" may send again: open rows and failed ones.
SENDABLE_NOW = (
    Notification.SCHEDULED,
    Notification.RETRY,
    Notification.DELIVERY_FAILURE,
    Notification.INACTIVE_DEVICE,
)
# A retry is scheduled strictly after the run's cut-off so one run never
# retries a row it has just tried.
_AFTER_CUTOFF = timedelta(microseconds=1)


@dataclass
class RunResult:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    inactive: int = 0
    opted_out: int = 0
    skipped: int = 0
    seconds: float = 0.0
    #: The DeliveryRun row of this run (None for a dry run).
    run_id: int | None = None

    #: The counters a DeliveryRun row keeps.
    RUN_COUNTERS = (
        "claimed",
        "delivered",
        "retried",
        "failed",
        "inactive",
        "opted_out",
    )

    def as_dict(self):
        return asdict(self)

    def run_counts(self):
        return {name: getattr(self, name) for name in self.RUN_COUNTERS}

    def summary(self):
        return (
            f"delivered={self.delivered} retry={self.retried} failed={self.failed} "
            f"inactive={self.inactive} opted_out={self.opted_out} "
            f"skipped={self.skipped} in {self.seconds:.2f}s"
        )


# -- entry points -----------------------------------------------------------


def deliver_due(
    *,
    batch_size=None,
    limit=None,
    target=None,
    source="command",
    dry_run=False,
    now=None,
    progress=None,
):
    """What process_notifications runs: claim due rows in batches with a lease,
    send, record, until nothing is due (or ``limit`` rows handled). Writes one
    DeliveryRun row. ``progress(n)`` is called after each batch of ``n`` rows.

    Rows due at the run's start (``now``) are handled; a row retried during the
    run waits for a later run. ``dry_run`` changes nothing and writes no run:
    ``claimed`` is the number of rows that would be sent.
    """
    cutoff = now or timezone.now()
    size = max(1, int(batch_size or conf.batch_size()))
    if dry_run:
        due = due_queryset(cutoff, target)
        count = due.count() if limit is None else len(due.values("pk")[:limit])
        return RunResult(claimed=count)

    def batches(result):
        while limit is None or result.claimed < limit:
            wanted = size if limit is None else min(size, limit - result.claimed)
            token, batch = claim_due(wanted, cutoff=cutoff, target=target)
            if not batch:
                return
            yield token, batch

    return _run(source, cutoff, batches, progress)


def send_now(queryset, *, source="admin", batch_size=None, progress=None):
    """Deliver the selected notifications now, through the same claims.

    SCHEDULED and RETRY rows (whatever their scheduled time) and failed rows
    (DELIVERY_FAILURE, INACTIVE_DEVICE) are claimed with the same
    compare-and-set lease and sent; rows another worker holds, DELIVERED and
    OPTED_OUT rows are not sent and are counted in ``skipped``.
    """
    # dict.fromkeys: distinct ids, in order, for any queryset (sliced too).
    ids = list(dict.fromkeys(queryset.values_list("pk", flat=True)))
    size = max(1, int(batch_size or conf.batch_size()))
    cutoff = timezone.now()

    def batches(result):
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            token, batch = claim_ids(chunk, cutoff=cutoff)
            result.skipped += len(chunk) - len(batch)
            if batch:
                yield token, batch

    return _run(source, cutoff, batches, progress)


def plan_due(*, limit=None, target=None, now=None):
    """Yield ``(notification, preview)`` for what a run would send, changing
    nothing; ``preview`` is the channel's preview, or ``{"error": ...}``."""
    rows = (
        due_queryset(now or timezone.now(), target)
        .select_related("user_target__target")
        .order_by("scheduled_delivery", "pk")
    )
    if limit is not None:
        rows = rows[:limit]
    for notification in rows.iterator(chunk_size=500):
        module_name = notification.user_target.target.notification_module_name
        try:
            preview = get_channel(module_name).preview(notification)
        except Exception as err:
            preview = {"error": describe_error(err)}
        yield notification, preview


def due_queryset(now, target=None):
    rows = Notification.objects.due(now)
    if isinstance(target, NotificationTarget):
        rows = rows.filter(user_target__target=target)
    elif target:
        rows = rows.filter(
            Q(user_target__target__name=target)
            | Q(user_target__target__notification_module_name=target)
        )
    return rows


# -- the run ----------------------------------------------------------------


def _run(source, cutoff, batches, progress):
    run = DeliveryRun.objects.create(
        source=source, host=socket.gethostname()[:255], pid=os.getpid()
    )
    result = RunResult(run_id=run.pk)
    started = time.monotonic()
    try:
        with Pipeline(result, cutoff, progress) as pipeline:
            for token, batch in batches(result):
                pipeline.add(token, batch)
    except BaseException as err:
        result.seconds = time.monotonic() - started
        _finish_run(run, result, error=describe_error(err))
        raise
    result.seconds = time.monotonic() - started
    _finish_run(run, result)
    return result


def _finish_run(run, result, error=""):
    try:
        DeliveryRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(), error=error, **result.run_counts()
        )
    except Exception:
        if not error:
            raise
        # The database itself failed; the original error says more.
        logger.exception("Could not record the end of delivery run %s", run.pk)


# -- claiming ---------------------------------------------------------------


def lease_until(cutoff):
    return max(timezone.now(), cutoff) + timedelta(seconds=conf.lease_seconds())


def lease_free(now):
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def claim_due(size, *, cutoff, target=None):
    """Claim up to ``size`` due rows; return ``(token, rows)``."""
    candidates = due_queryset(cutoff, target).order_by("scheduled_delivery")
    token = uuid.uuid4()
    if connection.vendor == "sqlite":
        # One writer at a time: a single UPDATE of the first due rows is its
        # own compare-and-set, and spares a round trip with every row's id.
        claimed = Notification.objects.filter(
            pk__in=candidates.values("pk")[:size]
        ).update(claim_token=token, claimed_until=lease_until(cutoff))
        return token, fetch_claimed(token) if claimed else []
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True, of=("self",))
    with transaction.atomic():
        ids = list(candidates.values_list("pk", flat=True)[:size])
        if not ids:
            return token, []
        # Compare-and-set: a row someone else claimed meanwhile is not taken.
        Notification.objects.filter(
            lease_free(cutoff),
            pk__in=ids,
            status__in=Notification.OPEN_STATUSES,
            scheduled_delivery__lte=cutoff,
        ).update(claim_token=token, claimed_until=lease_until(cutoff))
    return token, fetch_claimed(token)


def claim_ids(ids, *, cutoff):
    """Claim the given rows that may be sent now; return ``(token, rows)``."""
    token = uuid.uuid4()
    claimed = Notification.objects.filter(
        lease_free(cutoff), pk__in=ids, status__in=SENDABLE_NOW
    ).update(claim_token=token, claimed_until=lease_until(cutoff))
    return token, fetch_claimed(token) if claimed else []


UNREAD_WHILE_SENDING = (
    "created",
    "modified",
    "claim_token",
    "claimed_until",
    "user_target__created",
    "user_target__modified",
)


def fetch_claimed(token):
    opted_out = NotificationOptOut.objects.filter(
        user_id=OuterRef("user_target__user_id"), active=True
    )
    rows = list(
        Notification.objects.filter(claim_token=token)
        .select_related("user_target")
        # Bookkeeping columns nobody reads while sending.
        .defer(*UNREAD_WHILE_SENDING)
        .annotate(user_opted_out=Exists(opted_out))
        .order_by("scheduled_delivery")
    )
    # A handful of targets for any number of rows: one small query, shared
    # instances, instead of joining and building a target object per row.
    targets = NotificationTarget.objects.in_bulk()
    for notification in rows:
        record = notification.user_target
        record.target = targets[record.target_id]
    return rows


# -- sending ----------------------------------------------------------------


@dataclass
class Batch:
    """A claimed batch on its way through the pipeline."""

    token: uuid.UUID
    rows: list
    keeper: "LeaseKeeper"
    to_send: list = field(default_factory=list)
    opted_out: list = field(default_factory=list)
    groups: dict = field(default_factory=dict)
    outcomes: dict = field(default_factory=dict)
    sending: object = None  # the Future of the send, once submitted


class Pipeline:
    """Send one batch while claiming the next.

    Sending runs in one background thread, one batch at a time (a channel may
    use threads of its own); the database work stays in the run's thread and
    on its connection. Batches for extra channels, which may read the
    database while sending, are sent on the run's thread instead. Each
    batch's lease is renewed from its claim until its outcomes are written.
    However the run ends (an error, Ctrl-C), a batch that was handed to its
    channel is waited for and recorded: a sent batch left leased would be
    sent again once its lease ran out.
    """

    def __init__(self, result, cutoff, progress=None):
        self.result = result
        self.cutoff = cutoff
        self.progress = progress
        self.in_flight = None
        self.sender = None

    def __enter__(self):
        self.sender = ThreadPoolExecutor(1, thread_name_prefix="notify-admin-send")
        return self

    def add(self, token, rows):
        self.result.claimed += len(rows)
        batch = Batch(token, rows, LeaseKeeper(token, conf.lease_seconds()))
        batch.keeper.start()
        try:
            split(batch)
            previous = self._sent()
        except BaseException:
            # Nothing of this batch went out: it is released with its lease.
            batch.keeper.stop()
            raise
        if previous is not None:
            # Recorded before the next batch goes out: if the database is
            # gone, at most the batch in flight is left sent but unrecorded.
            try:
                self._record(previous)
            except BaseException:
                batch.keeper.stop()
                raise
        if in_background(batch.groups):
            batch.sending = self.sender.submit(send_groups, batch.groups)
        else:
            batch.sending = Future()
            try:
                batch.sending.set_result(send_groups(batch.groups))
            except BaseException:
                batch.keeper.stop()
                raise
        self.in_flight = batch

    def __exit__(self, exc_type, exc, traceback):
        try:
            last = self._sent()
            if last is not None:
                self._record(last)
        except Exception:
            if exc_type is None:
                raise
            # The error that stopped the run is the one to report.
            logger.exception("Could not record the last batch of a failed run")
        finally:
            # The sending thread's own database connections, if a channel
            # opened any (connections are per thread).
            self.sender.submit(connections.close_all)
            self.sender.shutdown(wait=True)

    def _sent(self):
        """Wait for the batch being sent; return it with its outcomes."""
        batch = self.in_flight
        if batch is None:
            return None
        try:
            outcomes = batch.sending.result()
        except Exception:
            self.in_flight = None
            batch.keeper.stop()
            raise
        # Interrupted while waiting (Ctrl-C), the batch stays in flight, and
        # leaving the pipeline waits for it again.
        self.in_flight = None
        batch.outcomes.update(outcomes)
        return batch

    def _record(self, batch):
        try:
            record_batch(batch, self.result, self.cutoff)
        finally:
            batch.keeper.stop()
        if self.progress is not None:
            self.progress(len(batch.rows))


def split(batch):
    """Sort a batch's rows: opted out, inactive records, and per channel."""
    groups = defaultdict(list)
    for notification in batch.rows:
        if notification.user_opted_out:
            batch.opted_out.append(notification)
            continue
        batch.to_send.append(notification)
        if not notification.user_target.active:
            batch.outcomes[notification.pk] = Outcome.dead_address(
                "inactive_record", "The user's target record is inactive."
            )
        else:
            module_name = notification.user_target.target.notification_module_name
            groups[module_name].append(notification)
    batch.groups = dict(groups)


def in_background(groups):
    """Whether a batch may be sent from the background thread.

    The built-in channels never touch the database while sending. An extra
    channel may (the original package's handlers read
    ``notification.user_target.user``): it sends on the run's own thread and
    database connection, which sees what the run sees, in a test's
    transaction too.
    """
    return all(module_name in BUILT_IN for module_name in groups)


def send_groups(groups):
    outcomes = {}
    for module_name, rows in groups.items():
        outcomes.update(send_group(module_name, rows))
    return outcomes


def record_batch(batch, result, cutoff):
    token, to_send, opted_out = batch.token, batch.to_send, batch.opted_out
    try:
        record(token, to_send, batch.outcomes, opted_out, result, cutoff)
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
            token,
        )
        connection.close()
        # Rows still holding the token: the first try wrote nothing.
        if Notification.objects.filter(claim_token=token).exists():
            record(token, to_send, batch.outcomes, opted_out, result, cutoff)


class LeaseKeeper:
    """Renews a batch's lease while the batch is being sent.

    A slow but working provider must not let the lease run out: another worker
    would then claim the rows in flight and send them a second time. Every
    third of the lease, a background thread (with its own connection) pushes
    ``claimed_until`` forward; a worker that dies stops renewing, so its rows
    still come back after one lease.
    """

    def __init__(self, token, lease_seconds):
        self.token = token
        self.lease_seconds = lease_seconds
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._renew, name="notify-admin-lease", daemon=True
        )

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stopped.set()
        self.thread.join()

    def _renew(self):
        try:
            while not self.stopped.wait(self.lease_seconds / 3):
                until = timezone.now() + timedelta(seconds=self.lease_seconds)
                try:
                    Notification.objects.filter(claim_token=self.token).update(
                        claimed_until=until
                    )
                except DatabaseError:
                    logger.warning(
                        "Could not renew lease %s", self.token, exc_info=True
                    )
                    # A dropped connection stays broken: the next renewal
                    # must open a new one.
                    connections.close_all()
        finally:
            # This thread's own connections (connections are per thread).
            connections.close_all()


def send_group(module_name, rows):
    """Hand one channel its rows; whatever happens, return an outcome per row."""
    try:
        channel = get_channel(module_name)
    except UnknownChannel as err:
        return _same(rows, Outcome.permanent("unknown_channel", str(err)))
    except Exception as err:
        logger.exception("Could not load the channel %r", module_name)
        return _same(rows, Outcome.transient("channel_error", describe_error(err)))
    try:
        outcomes = channel.send_batch(rows) or {}
    except ImproperlyConfigured as err:
        return _same(rows, Outcome.transient("not_configured", describe_error(err)))
    except Exception as err:
        logger.exception("Channel %r failed on a batch", module_name)
        return _same(rows, Outcome.transient("channel_error", describe_error(err)))
    missing = Outcome.transient("no_outcome", f"{channel!r} reported no outcome.")
    return {n.pk: outcomes.get(n.pk) or missing for n in rows}


def _same(rows, outcome):
    return {n.pk: outcome for n in rows}


# -- recording --------------------------------------------------------------

_STATUS_OF_KIND = {
    Outcome.SENT: Notification.DELIVERED,
    Outcome.PERMANENT: Notification.DELIVERY_FAILURE,
    Outcome.DEAD_ADDRESS: Notification.INACTIVE_DEVICE,
}
_COUNTER_OF_STATUS = {
    Notification.DELIVERED: "delivered",
    Notification.RETRY: "retried",
    Notification.DELIVERY_FAILURE: "failed",
    Notification.INACTIVE_DEVICE: "inactive",
}


def final_status(notification, outcome):
    if outcome.kind == Outcome.TRANSIENT:
        if notification.retry_attempts < notification.max_retries:
            return Notification.RETRY
        return Notification.DELIVERY_FAILURE
    return _STATUS_OF_KIND.get(outcome.kind, Notification.DELIVERY_FAILURE)


def retry_at(notification, now, cutoff):
    delay = notification.retry_time_interval * (
        conf.retry_backoff() ** notification.retry_attempts
    )
    return max(now, cutoff + _AFTER_CUTOFF) + timedelta(seconds=delay)


def record(token, rows, outcomes, opted_out, result, cutoff):
    """Write the batch's outcomes: a fixed number of statements per batch."""
    now = timezone.now()
    by_status = defaultdict(list)
    retries = defaultdict(list)
    dead_records = set()
    attempts = []
    counts = defaultdict(int, opted_out=len(opted_out))
    for notification in rows:
        outcome = outcomes[notification.pk]
        status = final_status(notification, outcome)
        if status == Notification.RETRY:
            retries[retry_at(notification, now, cutoff)].append(notification.pk)
        else:
            by_status[status].append(notification.pk)
        if outcome.kind == Outcome.DEAD_ADDRESS and notification.user_target.active:
            dead_records.add(notification.user_target_id)
        attempts.append(_attempt(notification, outcome, status))
        counts[_COUNTER_OF_STATUS[status]] += 1
    mine = Notification.objects.filter(claim_token=token)
    # The batch is every row holding the token. When all of them end the same
    # way (the usual case: all delivered), the token alone selects them and
    # the UPDATE needs no list of hundreds of ids.
    whole = len(by_status) + bool(retries) + bool(opted_out) == 1

    def of(pks):
        return mine if whole else mine.filter(pk__in=pks)

    released = {"claim_token": None, "claimed_until": None, "modified": now}
    with transaction.atomic():
        if opted_out:
            of([n.pk for n in opted_out]).update(
                status=Notification.OPTED_OUT, **released
            )
        for status, pks in by_status.items():
            of(pks).update(status=status, attempted_delivery=now, **released)
        if retries:
            _record_retries(of, retries, now, released)
        if dead_records:
            TargetUserRecord.objects.filter(pk__in=dead_records).update(
                active=False, modified=now
            )
        insert_attempts(attempts, now, run_id=result.run_id)
        # The run's row follows its progress, in the same transaction as the
        # outcomes: a page polling it never sees more than was written.
        DeliveryRun.objects.filter(pk=result.run_id).update(
            claimed=result.claimed,
            **{counter: F(counter) + count for counter, count in counts.items()},
        )
    # Counted once written: a record() retried after a lost connection must
    # not count the batch twice.
    for counter, count in counts.items():
        setattr(result, counter, getattr(result, counter) + count)


def _record_retries(of, retries, now, released):
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


def _attempt(notification, outcome, status):
    """An attempt row's values, in ATTEMPT_COLUMNS order (minus attempted_at)."""
    return (
        notification.pk,
        status,
        notification.user_target.target_user_id[:200],
        outcome.provider_id[:200],
        outcome.error_code[:100],
        outcome.error_message,
        outcome.response,
    )


ATTEMPT_COLUMNS = (
    "notification",
    "run",
    "attempted_at",
    "outcome",
    "address",
    "provider_id",
    "error_code",
    "error_message",
    "response",
)


def insert_attempts(rows, attempted_at, run_id=None):
    """Insert the batch's attempt rows: one multi-row INSERT (a few on SQLite,
    which binds at most 999 parameters per statement).

    Same SQL as ``bulk_create``, but the values are prepared directly: for a
    batch of hundreds of rows, bulk_create's per-field, per-row preparation
    cost more than the rest of recording.
    """
    if not rows:
        return
    if connection.vendor == "postgresql":
        return _insert_attempts_unnest(rows, attempted_at, run_id)
    meta = DeliveryAttempt._meta
    fields = [meta.get_field(name) for name in ATTEMPT_COLUMNS]
    notification_field, response_field = fields[0], fields[-1]
    run = fields[1].get_db_prep_save(run_id, connection)
    at = fields[2].get_db_prep_save(attempted_at, connection)
    # Most attempts (every plain success) carry no provider response.
    no_response = response_field.get_db_prep_save({}, connection)
    values = [
        (
            notification_field.get_db_prep_save(pk, connection),
            run,
            at,
            *texts,
            response_field.get_db_prep_save(response, connection)
            if response
            else no_response,
        )
        for pk, *texts, response in rows
    ]
    quote = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(
        quote(meta.db_table), ", ".join(quote(field.column) for field in fields)
    )
    row_sql = "({})".format(", ".join(["%s"] * len(fields)))
    size = max(1, connection.ops.bulk_batch_size(fields, values))
    with connection.cursor() as cursor:
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            cursor.execute(
                head + ", ".join([row_sql] * len(chunk)),
                [value for row in chunk for value in row],
            )


def _insert_attempts_unnest(rows, attempted_at, run_id):
    """PostgreSQL: the batch's attempt rows as one array per column.

    ``INSERT ... SELECT FROM unnest(...)`` binds nine parameters whatever
    the batch size; a VALUES list of 500 rows binds 4,000, and psycopg parses
    a query that long afresh on every execution (it caches short ones only),
    which cost more than the rest of recording.
    """
    meta = DeliveryAttempt._meta
    encoder = meta.get_field("response").encoder
    columns = list(zip(*rows, strict=True))
    responses = [json.dumps(response or {}, cls=encoder) for response in columns[-1]]
    quote = connection.ops.quote_name
    sql = (
        "INSERT INTO {table} ({columns}) "
        "SELECT n, %s::{run_type}, %s, o, a, p, c, m, r::jsonb FROM unnest("
        "%s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
        "%s::text[]) AS t(n, o, a, p, c, m, r)"
    ).format(
        table=quote(meta.db_table),
        # A NULL run would otherwise be sent as text.
        run_type=meta.get_field("run").db_type(connection),
        columns=", ".join(
            quote(meta.get_field(name).column) for name in ATTEMPT_COLUMNS
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [run_id, attempted_at, *map(list, columns[:-1]), responses])
