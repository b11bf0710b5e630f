"""Runs: the engine's entry points and what a run reports.

``deliver_due`` (process_notifications, cron, Celery) and ``send_now`` (the
admin's "Send now") each pick their batches with a named generator
(``due_batches`` / ``selected_batches``) and hand them to ``execute``, which
writes the DeliveryRun row, pushes every batch through the pipeline
(claim -> send -> record) and returns a :class:`RunResult`. ``plan_due`` lists
what a run would send, changing nothing.
"""

import functools
import logging
import os
import socket
import time

from django.utils import timezone

from .. import conf
from ..channels.outcome import describe_error
from ..channels.registry import get_channel
from ..models import DeliveryRun, Notification, NotificationCount
from . import claims, pauses
from .logs import log_event
from .pipeline import Pipeline
from .result import RunResult
from .sending import RunChannels

logger = logging.getLogger("notify_admin.delivery")


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
    """Claim due rows in batches with a lease, send, record, until nothing is
    due (or ``limit`` rows handled). Writes one DeliveryRun row.
    ``progress(n)`` is called after each batch of ``n`` rows.

    Rows due at the run's start (``now``) are handled; a row retried during the
    run waits for a later run. ``dry_run`` changes nothing and writes no run:
    ``claimed`` is the number of rows that would be sent.
    """
    cutoff = now or timezone.now()
    size = max(1, int(batch_size or conf.batch_size()))
    if dry_run:
        due = claims.due_queryset(cutoff, target)
        count = due.count() if limit is None else len(due.values("pk")[:limit])
        return RunResult(claimed=count)
    result, channels = RunResult(), RunChannels()
    batches = due_batches(
        result, channels, size=size, limit=limit, cutoff=cutoff, target=target
    )
    # Rows of unconfigured targets: every due one, claimed by this run or not.
    waiting = functools.partial(claims.count_due_of_modules, cutoff, target)
    result = execute(source, cutoff, channels, batches, result, progress, waiting)
    if result.claimed:
        # The dashboard's counts, appended to by this run: one row per group.
        NotificationCount.objects.compact()
    return result


def send_now(queryset, *, source="admin", batch_size=None, progress=None):
    """Deliver the selected notifications now, through the same claims.

    SCHEDULED and RETRY rows (whatever their scheduled time) and failed rows
    (DELIVERY_FAILURE, INACTIVE_DEVICE) are claimed with the same
    compare-and-set lease and sent; rows another worker holds, DELIVERED and
    OPTED_OUT rows are not sent and are counted in ``skipped``. Rows of a
    target whose provider is not configured are left as they were and
    counted in ``not_configured``.
    """
    # dict.fromkeys: distinct ids, in order, for any queryset (sliced too).
    ids = list(dict.fromkeys(queryset.values_list("pk", flat=True)))
    size = max(1, int(batch_size or conf.batch_size()))
    # Staff asked for these rows now: a target backing off after an outage
    # is tried at once (this run's own breaker still stops a failing one).
    result, channels = RunResult(), RunChannels(probe_first=False)
    cutoff = timezone.now()
    batches = selected_batches(result, ids, size=size, cutoff=cutoff)
    return execute(source, cutoff, channels, batches, result, progress)


def plan_due(*, limit=None, target=None, now=None):
    """Yield ``(notification, preview)`` for what a run would send, changing
    nothing; ``preview`` is the channel's preview, or ``{"error": ...}``."""
    rows = (
        claims.due_queryset(now or timezone.now(), target)
        .select_related("user_target__target")
        .order_by("scheduled_delivery", "pk")
    )
    if limit is not None:
        rows = rows[:limit]
    channels = {}
    for notification in rows.iterator(chunk_size=500):
        module_name = notification.user_target.target.notification_module_name
        try:
            if module_name not in channels:
                channels[module_name] = get_channel(module_name)
            preview = channels[module_name].preview(notification)
        except Exception as err:
            preview = {"error": describe_error(err)}
        yield notification, preview


# -- the batches of a run ---------------------------------------------------


def due_batches(result, channels, *, size, limit, cutoff, target):
    """Claim due rows batch by batch until none is left (or ``limit`` rows
    were claimed: the pipeline counts them in ``result.claimed``). Targets
    found not configured during the run are no longer claimed."""
    while limit is None or result.claimed < limit:
        wanted = size if limit is None else min(size, limit - result.claimed)
        token, rows = claims.claim_due(
            wanted,
            cutoff=cutoff,
            target=target,
            exclude_modules=channels.stopped(),
        )
        if not rows:
            return
        yield token, rows


def selected_batches(result, ids, *, size, cutoff):
    """Claim the selected rows, ``size`` at a time; the rows that could not
    be claimed are counted in ``result.skipped``, those of paused targets
    in ``result.paused`` (staff resume a target to send them)."""
    paused = pauses.paused_target_ids()
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        token, rows = claims.claim_ids(chunk, cutoff=cutoff, skip_targets=paused)
        held = 0
        if paused and len(rows) < len(chunk):
            held = (
                Notification.objects.filter(pk__in=chunk)
                .sendable_now()
                .filter(user_target__target_id__in=paused)
                .count()
            )
        result.add(skipped=len(chunk) - len(rows) - held, paused=held)
        if rows:
            yield token, rows


# -- one run ------------------------------------------------------------------


def execute(source, cutoff, channels, batches, result, progress=None, waiting=None):
    """Run ``batches`` through the pipeline under one DeliveryRun row.

    ``waiting(module_names)``, if given, counts the rows left for the targets
    found not configured (else the rows handed back are counted).
    """
    run = RunRow(source)
    started = time.monotonic()
    error, waited = "", None
    try:
        with Pipeline(result, cutoff, channels, progress) as pipeline:
            for token, rows in batches:
                run.write(result)
                pipeline.add(token, rows)
        if channels.not_configured and waiting is not None:
            waited = waiting(list(channels.not_configured))
    except BaseException as err:
        error = describe_error(err)
        raise
    finally:
        result.finished(time.monotonic() - started, channels.not_configured, waited)
        finish_run(run, result, error)
    return result


class RunRow:
    """A run's DeliveryRun row, written when its first batch is claimed (its
    attempts point at it, and a page can follow it while it runs), or in one
    INSERT when the run ends without a batch: a cron run with nothing due
    writes one statement, not two (the row is what says the cron is alive)."""

    def __init__(self, source):
        self.source = source
        self.started_at = timezone.now()
        self.pk = None

    def fields(self):
        return {
            "source": self.source,
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": self.started_at,
        }

    def write(self, result):
        if self.pk is None:
            self.pk = DeliveryRun.objects.create(**self.fields()).pk
            result.started(self.pk)


def finish_run(run, result, error=""):
    try:
        ending = {"finished_at": timezone.now(), "error": error, **result.run_counts()}
        if run.pk is None:
            run.pk = DeliveryRun.objects.create(**run.fields(), **ending).pk
            result.started(run.pk)
        else:
            DeliveryRun.objects.filter(pk=run.pk).update(**ending)
    except Exception:
        if not error:
            raise
        # The database itself failed; the original error says more.
        logger.exception("Could not record the end of delivery run %s", run.pk)
    finally:
        log_event(
            logger,
            logging.ERROR if error else logging.INFO,
            "run finished",
            run_id=run.pk,
            source=run.source,
            **result.run_counts(),
            not_configured=result.not_configured,
            seconds=result.seconds,
            error=error,
        )
