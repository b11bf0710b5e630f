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
# Runs in progress in this process (threads may run several at once), and
# the switch interval to restore when the last one ends.
_switch = {"runs": 0, "previous": None}
_switch_lock = threading.Lock()


def shorten_switch_interval():
    with _switch_lock:
        if _switch["runs"] == 0:
            _switch["previous"] = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch["previous"], SWITCH_INTERVAL))
        _switch["runs"] += 1


def restore_switch_interval():
    with _switch_lock:
        _switch["runs"] -= 1
        if _switch["runs"] == 0:
            sys.setswitchinterval(_switch["previous"])


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
        shorten_switch_interval()
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
            restore_switch_interval()
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
