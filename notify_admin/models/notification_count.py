"""Notification counts per target x status x quarter-hour, kept by the database.

The dashboard's status x target table and its 14-day chart are counts over
every notification: at a million rows, counting them on each page view costs
more than the page may take. On PostgreSQL, triggers on the notification and
target user record tables (migration 0013) append one row per changed group
to this table, in the transaction that changes the rows, whatever changes
them: the engine's recording, feedback verdicts, admin actions, opt-outs,
cancel and undo, purges, creators, ``save()``, ``bulk_create()``, raw SQL.
So the sums here are exact at every commit; no code path has to remember to
keep them.

Two kinds of rows, ``n`` notifications each (negative: fewer):

- ``(target_id, status, bucket=NULL)``: of that target, in that status (the
  dashboard's status x target table), ``CANCELLED`` for OPTED_OUT rows a
  staff member cancelled (``cancelled_at`` set), which the table shows apart;
- ``(target_id=NULL, status, bucket)``: in that status, whose last attempt
  falls in the quarter-hour starting at ``bucket`` (UTC) (the 14-day chart).
  Quarter-hours add up to the local days of every time zone in use (every
  offset is a multiple of 15 minutes).

Triggers only append (no row is updated, so concurrent runs never wait on
each other or deadlock over a counter); :meth:`compact` merges each group's
rows into one at the end of each delivery run. ``manage.py
rebuild_notification_counts`` recounts everything from the notifications
(``--check`` compares without changing anything).

Other databases have no triggers here: the dashboard counts the
notifications themselves (as it always has), which is what their size allows.
"""

from django.db import connection, models, transaction
from django.db.models.functions import TruncDate

# One compaction at a time (a transaction-scoped advisory lock; any number).
COMPACT_LOCK = 7_310_013

BUCKET_SQL = "to_timestamp(floor(extract(epoch FROM {column}) / 900) * 900)"
# OPTED_OUT by a staff cancellation is counted as CANCELLED (the dashboard's
# column of its own, the sidebar's "cancelled by staff").
KEY_SQL = (
    "CASE WHEN {p}status = 'OPTED_OUT' AND {p}cancelled_at IS NOT NULL "
    "THEN 'CANCELLED' ELSE {p}status END"
)

FRESH_COUNT_SQL = f"""
    SELECT r.target_id, {KEY_SQL.format(p="n.")}, NULL::timestamptz, count(*)
    FROM notify_admin_notification n
    JOIN notify_admin_targetuserrecord r ON r.id = n.user_target_id
    GROUP BY 1, 2
    UNION ALL
    SELECT NULL::uuid, {KEY_SQL.format(p="")},
           {BUCKET_SQL.format(column="attempted_delivery")}, count(*)
    FROM notify_admin_notification
    WHERE attempted_delivery IS NOT NULL
    GROUP BY 2, 3
"""

# Merge each touched group's rows into one: the totals, then the chart rows.
# (Equality joins on each kind's own columns, so each uses its index.)
COMPACT_SQL = [
    """
    WITH touched AS (
        SELECT DISTINCT target_id, status FROM notify_admin_notificationcount
        WHERE NOT merged AND bucket IS NULL
    ), gone AS (
        DELETE FROM notify_admin_notificationcount c USING touched t
        WHERE c.bucket IS NULL AND c.target_id = t.target_id AND c.status = t.status
        RETURNING c.target_id, c.status, c.n
    )
    INSERT INTO notify_admin_notificationcount (target_id, status, bucket, n, merged)
    SELECT target_id, status, NULL, sum(n), true FROM gone
    GROUP BY 1, 2 HAVING sum(n) <> 0
    """,
    """
    WITH touched AS (
        SELECT DISTINCT status, bucket FROM notify_admin_notificationcount
        WHERE NOT merged AND target_id IS NULL
    ), gone AS (
        DELETE FROM notify_admin_notificationcount c USING touched t
        WHERE c.target_id IS NULL AND c.bucket = t.bucket AND c.status = t.status
        RETURNING c.status, c.bucket, c.n
    )
    INSERT INTO notify_admin_notificationcount (target_id, status, bucket, n, merged)
    SELECT NULL, status, bucket, sum(n), true FROM gone
    GROUP BY 2, 3 HAVING sum(n) <> 0
    """,
]


class NotificationCountQuerySet(models.QuerySet):
    def kept(self):
        """Whether the database keeps these counts (PostgreSQL, migrated)."""
        return connection.vendor == "postgresql"

    def totals(self):
        """``{(target_id, status): n}`` over every notification."""
        rows = (
            self.filter(bucket__isnull=True)
            .order_by()
            .values_list("target_id", "status")
            .annotate(total=models.Sum("n"))
        )
        return {(t, s): n for t, s, n in rows if n}

    def by_day(self, since, statuses):
        """``[(local date, status, n)]``: notifications in ``statuses`` whose
        last attempt is at or after ``since`` (a local midnight), by the day
        of that attempt in the current time zone."""
        rows = (
            self.filter(
                target_id__isnull=True, bucket__gte=since, status__in=list(statuses)
            )
            .annotate(day=TruncDate("bucket"))
            .order_by()
            .values_list("day", "status")
            .annotate(total=models.Sum("n"))
        )
        return [(day, status, n) for day, status, n in rows if n]

    def compact(self):
        """Merge each group's appended rows into one; False if another
        process is compacting right now (its work covers these rows)."""
        if not self.kept():
            return False
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [COMPACT_LOCK])
            if not cursor.fetchone()[0]:
                return False
            for statement in COMPACT_SQL:
                cursor.execute(statement)
        return True

    def fresh(self):
        """``{(target_id, status, bucket): n}`` counted from the notifications."""
        with connection.cursor() as cursor:
            cursor.execute(FRESH_COUNT_SQL)
            return {(t, s, b): n for t, s, b, n in cursor.fetchall()}

    def kept_counts(self):
        """``{(target_id, status, bucket): n}`` as the counts say."""
        rows = (
            self.order_by()
            .values_list("target_id", "status", "bucket")
            .annotate(total=models.Sum("n"))
        )
        return {(t, s, b): n for t, s, b, n in rows if n}

    def rebuild(self):
        """Recount everything from the notifications; return the groups.

        Writers of notifications and records wait for it (a SHARE lock, held
        to the end of the transaction) so that nothing changes between the
        recount and its commit; readers do not wait.
        """
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "LOCK TABLE notify_admin_notification, notify_admin_targetuserrecord "
                "IN SHARE MODE"
            )
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [COMPACT_LOCK])
            cursor.execute("DELETE FROM notify_admin_notificationcount")
            cursor.execute(
                "INSERT INTO notify_admin_notificationcount "
                "(target_id, status, bucket, n, merged) "
                f"SELECT *, true FROM ({FRESH_COUNT_SQL}) AS fresh"
            )
            return cursor.rowcount


class NotificationCount(models.Model):
    """See the module's docstring. Written by database triggers only."""

    target_id = models.UUIDField(null=True)
    status = models.CharField(max_length=16)
    bucket = models.DateTimeField(null=True)
    n = models.BigIntegerField()
    merged = models.BooleanField(default=False)

    objects = NotificationCountQuerySet.as_manager()

    class Meta:
        default_permissions = ()
        indexes = [
            models.Index(
                fields=["target_id", "status"],
                name="notify_admin_count_total_idx",
                condition=models.Q(bucket__isnull=True),
            ),
            models.Index(
                fields=["bucket", "status"],
                name="notify_admin_count_day_idx",
                condition=models.Q(target_id__isnull=True),
            ),
            models.Index(
                fields=["id"],
                name="notify_admin_count_new_idx",
                condition=models.Q(merged=False),
            ),
        ]

    def __str__(self):
        return f"{self.status} {self.target_id or self.bucket}: {self.n:+d}"
