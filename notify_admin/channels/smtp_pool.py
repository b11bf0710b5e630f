"""The email channel's mail connections for one run.

``size`` connections, taken in turn (first in, first out, so a batch of n
messages uses min(n, size) of them whatever the threads' timing), each opened
at its first message and kept open for the run. A connection the server
dropped is opened again for its next message; one that could not be opened
is not tried again before the next batch (``forget_failures``), so a server
that is down costs one time-out per connection, not one per message.
"""

import contextlib
import queue
import smtplib

# "421 Service not available, closing transmission channel".
SERVICE_CLOSING = 421


def drops_connection(err):
    """Whether the connection is unusable after ``err``."""
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        return any(code == SERVICE_CLOSING for code, _ in err.recipients.values())
    if isinstance(err, smtplib.SMTPResponseException):
        return err.smtp_code == SERVICE_CLOSING
    return isinstance(err, OSError)


class PooledConnection:
    """One mail backend instance, opened once and reopened after a drop."""

    def __init__(self, backend):
        self.backend = backend
        self.is_open = False
        self.failure = None

    def send(self, message):
        if self.failure is not None:
            raise self.failure
        if not self.is_open:
            try:
                self.backend.open()
            except Exception as err:
                self.failure = err
                raise
            self.is_open = True
        try:
            return self.backend.send_messages([message])
        except Exception as err:
            if drops_connection(err):
                self.close()
            raise

    def close(self):
        with contextlib.suppress(Exception):
            self.backend.close()
        self.is_open = False


class ConnectionPool:
    def __init__(self, new_backend, size):
        self.all = [PooledConnection(new_backend()) for _ in range(size)]
        self.free = queue.Queue()
        for pooled in self.all:
            self.free.put(pooled)

    @contextlib.contextmanager
    def connection(self):
        pooled = self.free.get()
        try:
            yield pooled
        finally:
            self.free.put(pooled)

    def forget_failures(self):
        for pooled in self.all:
            pooled.failure = None

    def close(self):
        for pooled in self.all:
            pooled.close()
