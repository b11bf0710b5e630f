"""What one ``process_notifications`` process does: a run, or a run every N
seconds until SIGTERM / SIGINT, printing the summary and the receipts.

The management command and each ``--processes`` child (:mod:`.processes`)
run this same code; neither imports the other.
"""

import signal
import threading

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, close_old_connections

from .delivery import deliver_due
from .feedback.receipts import check_receipts


class Runner:
    """Runs deliveries for a command, writing to its ``stdout`` / ``stderr``
    (Django's ``OutputWrapper``)."""

    def __init__(self, stdout, stderr):
        self.stdout = stdout
        self.stderr = stderr

    def run_once(self, options):
        progress = Progress(self.stdout) if self.stdout.isatty() else None
        result = deliver_due(
            batch_size=options["batch_size"],
            limit=options["limit"],
            target=options["target"],
            source="command",
            progress=progress,
        )
        if progress is not None:
            progress.done()
        self.stdout.write(result.summary())
        for module_name, missing in result.missing_settings.items():
            self.stderr.write(
                f"Not sent: the {module_name!r} channel is not configured "
                f"(missing {', '.join(missing)}); its notifications wait, "
                "untouched, for a configured run."
            )
        receipts = check_receipts()
        if receipts.checked or receipts.unconfirmed or receipts.unavailable:
            self.stdout.write(receipts.summary())
        return result

    def loop(self, options):
        stop = threading.Event()
        previous = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            while not stop.is_set():
                close_old_connections()
                try:
                    self.run_once(options)
                except (DatabaseError, ImproperlyConfigured) as err:
                    # A loop outlives a database restart: say so and go on.
                    self.stderr.write(f"Delivery run failed: {err}")
                stop.wait(options["loop"])
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Stopped.")


class Progress:
    """A one-line counter, redrawn in place (only when stdout is a terminal)."""

    def __init__(self, stream):
        self.stream = stream
        self.count = 0

    def __call__(self, n):
        self.count += n
        self.stream.write(f"\rsent {self.count} ...", ending="")
        self.stream.flush()

    def done(self):
        if self.count:
            self.stream.write("\r", ending="")
