"""A background creation's progress, visible while its transaction is open.

The rows are created in one transaction, so nothing it writes is visible to
the job page until the end. On PostgreSQL the progress (``created_count``)
and the lease (``claimed_until``) are written through a second connection
of its own, in autocommit: the job's row is only key-share locked by the
creating transaction (its rows reference it), which does not block a
``FOR NO KEY UPDATE`` of its other columns. A short ``lock_timeout`` and a
try/except make sure progress can never stall the creation. SQLite allows
one writer at a time: there the count appears at the end, and the lease
must outlast the creation (NOTIFICATION_SYSTEM_SEND_JOB_LEASE_SECONDS).
"""

import logging
from datetime import timedelta

from django.db import DatabaseError, connections, router
from django.utils import timezone

from ..models import SendJob
from .limits import creation_lease

logger = logging.getLogger("notify_admin.jobs")


class Progress:
    def __init__(self, job):
        self.job_id = job.pk
        self.connection = None
        alias = router.db_for_write(SendJob)
        main = connections[alias]
        # Inside a caller's transaction (ATOMIC_REQUESTS) the job's row may
        # be locked by that transaction: no second writer then.
        if main.vendor == "postgresql" and not main.in_atomic_block:
            self.connection = type(main)(dict(main.settings_dict), alias)

    def __call__(self, created):
        if self.connection is None:
            return
        table = SendJob._meta.db_table
        quote = self.connection.ops.quote_name
        until = timezone.now() + timedelta(seconds=creation_lease())
        try:
            with self.connection.cursor() as cursor:
                # SET LOCAL: the timeout ends with this transaction and never
                # stays on a connection a pool hands out again.
                cursor.execute("BEGIN")
                try:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                    cursor.execute(
                        f"UPDATE {quote(table)} SET created_count = %s, "
                        f"claimed_until = %s WHERE id = %s AND state = %s",
                        [created, until, self.job_id, SendJob.CREATING],
                    )
                finally:
                    cursor.execute("COMMIT")
        except DatabaseError as err:
            logger.warning("Send job %s: progress not recorded: %s", self.job_id, err)

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None
