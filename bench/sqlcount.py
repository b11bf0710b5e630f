"""Counts every SQL statement a process runs, on every connection, once each.

The benchmark's statements-per-notification column comes from here. A
connection gets the counting wrapper when it is opened (``connection_created``,
which also fires for the connections of worker threads) and, if it was open
already, when counting starts; a connection never gets it twice.

The harness used to attach the wrapper in the ``connection_created`` handler,
then call ``connection.ensure_connection()`` (which fires that handler) and
append it again: every statement on the main connection was counted twice.
"""

from contextlib import contextmanager

from django.db import connections
from django.db.backends.signals import connection_created


class StatementCounter:
    """An execute wrapper that adds one per statement (``executemany`` is one)."""

    def __init__(self):
        self.statements = 0

    def __call__(self, execute, sql, params, many, context):
        self.statements += 1
        return execute(sql, params, many, context)

    def attach(self, connection):
        if self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)

    def detach(self, connection):
        while self in connection.execute_wrappers:
            connection.execute_wrappers.remove(self)


@contextmanager
def count_statements(using="default"):
    """Count statements on every connection opened or used in the block.

    Yields the :class:`StatementCounter`; read ``.statements`` after the block.
    """
    counter = StatementCounter()

    def attach(sender, connection, **kwargs):
        counter.attach(connection)

    connection_created.connect(attach, weak=False)
    connection = connections[using]
    try:
        # Fires ``connection_created`` (so ``attach``) when not yet connected;
        # attach() again is a no-op when it did.
        connection.ensure_connection()
        counter.attach(connection)
        yield counter
    finally:
        connection_created.disconnect(attach)
        counter.detach(connection)
