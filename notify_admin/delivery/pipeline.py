"""The pipeline: send one batch while the run claims the next.

Sending runs in one background thread, one batch at a time (a channel may
use threads of its own); the database work stays in the run's thread and on
its connection. Batches for extra channels, which may read the database
while sending, are sent on the run's thread instead. Each batch's lease is
renewed from its claim until its outcomes are written. A batch is sent once
the batch before it has been recorded: if the database goes away, at most
the batch in flight is left sent but unrecorded. However the run ends (an
error, Ctrl-C), a batch that was handed to its channel is waited for and
recorded: a sent batch left leased would be sent again once its lease ran
out. Leaving the pipeline closes the run's channels.
"""

import gc
import logging
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connections
from django.utils import timezone

from .. import conf
from . import holds, pauses, recording
from .batch import Batch, hold_paused, in_background, split
from .leases import LeaseKeeper

logger = logging.getLogger("notify_admin.delivery")

SWITCH_INTERVAL = 0.0005
# The collector's first threshold while a run lasts (Python's default: 700).
GC_THRESHOLD = 10_000
# Runs in progress in this process (threads may run several at once), and
# the interpreter settings to restore when the last one ends.
_tuned = {"runs": 0, "switch": None, "gc": None}
_tuned_lock = threading.Lock()


def tune_interpreter():
    """Settings of the interpreter for the length of a run (restored by
    :func:`restore_interpreter` when the last run of the process ends):

    - a short GIL switch interval: the run's thread talks to the database
      about ten times a batch, and each time its answer arrives it needs the
      GIL back from a sending thread building messages, which by default
      keeps it for 5 ms (the "convoy");
    - a first garbage-collector threshold of 10,000 allocations instead of
      700: a batch's rows, messages and attempts are freed by reference
      counting, and at 700 the collector ran about 450 times a run of 10,000
      emails, rescanning the batch in flight each time (9 % of the run's
      CPU; about 20 collections now, and the memory of a batch is bounded
      by the batch size either way).
    """
    with _tuned_lock:
        if _tuned["runs"] == 0:
            _tuned["switch"] = sys.getswitchinterval()
            sys.setswitchinterval(min(_tuned["switch"], SWITCH_INTERVAL))
            _tuned["gc"] = gc.get_threshold()
            first, *older = _tuned["gc"]
            if first:  # 0: the host turned threshold collection off
                gc.set_threshold(max(first, GC_THRESHOLD), *older)
        _tuned["runs"] += 1


def restore_interpreter():
    with _tuned_lock:
        _tuned["runs"] -= 1
        if _tuned["runs"] == 0:
            sys.setswitchinterval(_tuned["switch"])
            gc.set_threshold(*_tuned["gc"])


class Pipeline:
    def __init__(self, result, cutoff, channels, progress=None):
        self.result = result
        self.cutoff = cutoff
        self.channels = channels
        self.progress = progress
        self.in_flight = None
        self.sender = None

    def __enter__(self):
        self.sender = ThreadPoolExecutor(1, thread_name_prefix="notify-admin-send")
        tune_interpreter()
        return self

    def add(self, token, rows):
        """Take a claimed batch: record the one before it, then send it."""
        self.result.add(claimed=len(rows))
        batch = Batch(token, rows, LeaseKeeper(token, conf.lease_seconds()))
        batch.keeper.start()
        try:
            split(batch, holds.deferrals(rows, timezone.now(), token))
            previous = self.wait_for_sent()
            if previous is not None:
                self.record(previous)
            if batch.groups:
                # As late as possible: a target paused since this batch was
                # claimed gets nothing more (what is in flight may finish).
                self.channels.load_backoffs()
                hold_paused(batch, pauses.paused_target_ids())
            if in_background(batch.groups):
                batch.sending = self.sender.submit(self.send, batch)
            else:
                batch.sending = Future()
                batch.sending.set_result(self.send(batch))
        except BaseException:
            # Nothing of this batch went out (or it is all accounted for in
            # the error): it is released with its lease.
            batch.keeper.stop()
            raise
        self.in_flight = batch

    def send(self, batch):
        started = time.monotonic()
        sent = self.channels.send_groups(batch.groups)
        batch.send_seconds = time.monotonic() - started
        return sent

    def __exit__(self, exc_type, exc, traceback):
        try:
            last = self.wait_for_sent()
            if last is not None:
                self.record(last)
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
            restore_interpreter()
            self.channels.close()

    def wait_for_sent(self):
        """Wait for the batch being sent; return it with its outcomes."""
        batch = self.in_flight
        if batch is None:
            return None
        try:
            sent = batch.sending.result()
        except Exception:
            self.in_flight = None
            batch.keeper.stop()
            raise
        # Interrupted while waiting (Ctrl-C), the batch stays in flight, and
        # leaving the pipeline waits for it again.
        self.in_flight = None
        batch.take_results(sent)
        return batch

    def record(self, batch):
        try:
            recording.record_batch(batch, self.result, self.cutoff)
        finally:
            batch.keeper.stop()
        if self.progress is not None:
            self.progress(len(batch.rows))
