"""Notification counts per target x status x quarter-hour, kept by triggers.

See ``notify_admin/models/notification_count.py``. On PostgreSQL, statement
triggers with transition tables (one INSERT of a few rows per statement,
whatever its size) keep ``notify_admin_notificationcount`` exact for every
change of ``notify_admin_notification`` (insert, update, delete, truncate)
and of a record's target; then the counts of the existing rows are filled
in, the two tables locked against writers meanwhile. The partial "due" index
also gets the lease column, so that "due now" is counted from the index. Other databases get the
table only (the dashboard counts their notifications itself).

Two kinds of rows: per target x status (``bucket`` null) and per status x
quarter-hour of the last attempt (``target_id`` null). The SQL is written
out here, not imported, so that this migration keeps
doing what it did whatever the app's code becomes.
"""

from django.db import migrations, models

BUCKET = "to_timestamp(floor(extract(epoch FROM {0}) / 900) * 900)"
# The status a row is counted under: OPTED_OUT by a staff cancellation apart
# from a user's opt-out, as the dashboard's columns and the sidebar tell them.
KEY = (
    "CASE WHEN {0}status = 'OPTED_OUT' AND {0}cancelled_at IS NOT NULL "
    "THEN 'CANCELLED' ELSE {0}status END"
)
COUNTS = "notify_admin_notificationcount (target_id, status, bucket, n, merged)"


def notification_rows(table, sign):
    return (
        f"SELECT user_target_id, {KEY.format('')} AS status, "
        f"{BUCKET.format('attempted_delivery')} AS bucket, {sign} AS n "
        f"FROM {table}"
    )


def append_notification_counts(rows):
    """The statement appending a statement's net change: per target and
    status (records looked up only for groups that changed), and per status
    and quarter-hour of the last attempt."""
    return f"""
        WITH d AS (
            SELECT user_target_id, status, bucket, sum(n) AS n
            FROM ({rows}) u
            GROUP BY 1, 2, 3 HAVING sum(n) <> 0
        )
        INSERT INTO {COUNTS}
        SELECT r.target_id, d.status, NULL, sum(d.n), false
        FROM d JOIN notify_admin_targetuserrecord r ON r.id = d.user_target_id
        GROUP BY 1, 2 HAVING sum(d.n) <> 0
        UNION ALL
        SELECT NULL, status, bucket, sum(n), false
        FROM d WHERE bucket IS NOT NULL
        GROUP BY 2, 3 HAVING sum(n) <> 0;
    """


NOTIFICATION_FUNCTION = f"""
CREATE OR REPLACE FUNCTION notify_admin_count_notifications() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Net change per record, status and bucket first: an UPDATE that moves
    -- no row between groups (a claim, a lease renewal) appends nothing and
    -- looks up no record.
    IF TG_OP = 'INSERT' THEN
        {append_notification_counts(notification_rows("new_rows", 1))}
    ELSIF TG_OP = 'DELETE' THEN
        {append_notification_counts(notification_rows("old_rows", -1))}
    ELSE
        {
    append_notification_counts(
        notification_rows("old_rows", -1)
        + " UNION ALL "
        + notification_rows("new_rows", 1)
    )
}
    END IF;
    RETURN NULL;
END
$$;
"""


def append_record_counts(rows):
    """A record that changes target takes its notifications' totals along.
    Inserted and deleted records count (or uncount) notifications already
    pointing at them, which only deferred constraints allow."""
    return f"""
        WITH d AS (
            SELECT id, target_id, sum(n) AS n FROM ({rows}) u
            GROUP BY 1, 2 HAVING sum(n) <> 0
        )
        INSERT INTO {COUNTS}
        SELECT d.target_id, {KEY.format("x.")}, NULL, sum(d.n), false
        FROM d JOIN notify_admin_notification x ON x.user_target_id = d.id
        GROUP BY 1, 2 HAVING sum(d.n) <> 0;
    """


def record_rows(table, sign):
    return f"SELECT id, target_id, {sign} AS n FROM {table}"


RECORD_FUNCTION = f"""
CREATE OR REPLACE FUNCTION notify_admin_count_records() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {append_record_counts(record_rows("new_rows", 1))}
    ELSIF TG_OP = 'DELETE' THEN
        {append_record_counts(record_rows("old_rows", -1))}
    ELSE
        {
    append_record_counts(
        record_rows("old_rows", -1) + " UNION ALL " + record_rows("new_rows", 1)
    )
}
    END IF;
    RETURN NULL;
END
$$;
"""

TRUNCATE_FUNCTION = """
CREATE OR REPLACE FUNCTION notify_admin_count_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM notify_admin_notificationcount;
    RETURN NULL;
END
$$;
"""


def triggers(table, function):
    return [
        f"CREATE TRIGGER {table}_count_insert AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {table}_count_update AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        f"CREATE TRIGGER {table}_count_delete AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


NOTIFICATIONS = "notify_admin_notification"
RECORDS = "notify_admin_targetuserrecord"

INSTALL = [
    NOTIFICATION_FUNCTION,
    RECORD_FUNCTION,
    TRUNCATE_FUNCTION,
    *triggers(NOTIFICATIONS, "notify_admin_count_notifications"),
    *triggers(RECORDS, "notify_admin_count_records"),
    f"CREATE TRIGGER {NOTIFICATIONS}_count_truncate AFTER TRUNCATE ON "
    f"{NOTIFICATIONS} FOR EACH STATEMENT EXECUTE FUNCTION "
    "notify_admin_count_truncate()",
    # The counts of the rows that exist, with writers held off meanwhile.
    f"LOCK TABLE {NOTIFICATIONS}, {RECORDS} IN SHARE MODE",
    f"""INSERT INTO {COUNTS}
    SELECT r.target_id, {KEY.format("n.")}, NULL, count(*), true
    FROM {NOTIFICATIONS} n JOIN {RECORDS} r ON r.id = n.user_target_id
    GROUP BY 1, 2""",
    f"""INSERT INTO {COUNTS}
    SELECT NULL, {KEY.format("")}, {BUCKET.format("attempted_delivery")},
           count(*), true
    FROM {NOTIFICATIONS} WHERE attempted_delivery IS NOT NULL
    GROUP BY 2, 3""",
]

# "Due now" counted from the index alone: the lease in the partial due index
# (INCLUDE: PostgreSQL only, so not in the model's Meta, which SQLite reads).
DUE_INDEX = (
    "CREATE INDEX notify_admin_due_idx ON {0} (scheduled_delivery){1} "
    "WHERE status IN ('SCHEDULED', 'RETRY')"
)
INSTALL += [
    "DROP INDEX IF EXISTS notify_admin_due_idx",
    DUE_INDEX.format(NOTIFICATIONS, " INCLUDE (claimed_until)"),
]

UNINSTALL = [
    "DROP INDEX IF EXISTS notify_admin_due_idx",
    DUE_INDEX.format(NOTIFICATIONS, ""),
    *(
        f"DROP TRIGGER IF EXISTS {table}_count_{op} ON {table}"
        for table in (NOTIFICATIONS, RECORDS)
        for op in ("insert", "update", "delete", "truncate")
    ),
    "DROP FUNCTION IF EXISTS notify_admin_count_notifications()",
    "DROP FUNCTION IF EXISTS notify_admin_count_records()",
    "DROP FUNCTION IF EXISTS notify_admin_count_truncate()",
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in INSTALL:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in UNINSTALL:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("notify_admin", "0009_notification_templates"),
    ]

    operations = [
        migrations.CreateModel(
            name="NotificationCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("target_id", models.UUIDField(null=True)),
                ("status", models.CharField(max_length=16)),
                ("bucket", models.DateTimeField(null=True)),
                ("n", models.BigIntegerField()),
                ("merged", models.BooleanField(default=False)),
            ],
            options={
                "default_permissions": (),
                "indexes": [
                    models.Index(
                        condition=models.Q(("bucket__isnull", True)),
                        fields=["target_id", "status"],
                        name="notify_admin_count_total_idx",
                    ),
                    models.Index(
                        condition=models.Q(("target_id__isnull", True)),
                        fields=["bucket", "status"],
                        name="notify_admin_count_day_idx",
                    ),
                    models.Index(
                        condition=models.Q(("merged", False)),
                        fields=["id"],
                        name="notify_admin_count_new_idx",
                    ),
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
