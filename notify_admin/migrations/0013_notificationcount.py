"""Notification counts per target x status x quarter-hour, kept by triggers.

See ``notify_admin/models/notification_count.py``. On PostgreSQL, statement
triggers with transition tables (one INSERT of a few rows per statement,
whatever its size) keep ``notify_admin_notificationcount`` exact for every
change of ``notify_admin_notification`` (insert, update, delete, truncate)
and of a record's target; then the counts of the existing rows are filled
in, the two tables locked against writers meanwhile. Other databases get the
table only (the dashboard counts their notifications itself).

The SQL is written out here, not imported, so that this migration keeps
doing what it did whatever the app's code becomes.
"""

from django.db import migrations, models

BUCKET = "to_timestamp(floor(extract(epoch FROM {0}) / 900) * 900)"
COUNTS = "notify_admin_notificationcount (target_id, status, bucket, n, merged)"


def notification_rows(table, sign):
    """A transition table's rows, grouped by record, status and bucket."""
    return (
        f"SELECT user_target_id, status, "
        f"{BUCKET.format('attempted_delivery')} AS bucket, {sign} AS n "
        f"FROM {table}"
    )


NOTIFICATION_FUNCTION = f"""
CREATE OR REPLACE FUNCTION notify_admin_count_notifications() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {COUNTS}
        SELECT r.target_id, d.status, d.bucket, sum(d.n), false
        FROM ({notification_rows("new_rows", 1)}) d
        JOIN notify_admin_targetuserrecord r ON r.id = d.user_target_id
        GROUP BY 1, 2, 3;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO {COUNTS}
        SELECT r.target_id, d.status, d.bucket, sum(d.n), false
        FROM ({notification_rows("old_rows", -1)}) d
        JOIN notify_admin_targetuserrecord r ON r.id = d.user_target_id
        GROUP BY 1, 2, 3;
    ELSE
        -- Net change per record, status and bucket first: an UPDATE that
        -- moves no row between groups (a claim, a lease renewal) writes
        -- nothing and looks up no record.
        INSERT INTO {COUNTS}
        SELECT r.target_id, d.status, d.bucket, sum(d.n), false
        FROM (
            SELECT user_target_id, status, bucket, sum(n) AS n
            FROM ({notification_rows("old_rows", -1)}
                  UNION ALL {notification_rows("new_rows", 1)}) u
            GROUP BY 1, 2, 3 HAVING sum(n) <> 0
        ) d
        JOIN notify_admin_targetuserrecord r ON r.id = d.user_target_id
        GROUP BY 1, 2, 3 HAVING sum(d.n) <> 0;
    END IF;
    RETURN NULL;
END
$$;
"""


def record_rows(table, sign):
    return f"SELECT id, target_id, {sign} AS n FROM {table}"


RECORD_FUNCTION = f"""
CREATE OR REPLACE FUNCTION notify_admin_count_records() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A record that changes target takes its notifications' counts along.
    -- Inserted and deleted records count (or uncount) notifications already
    -- pointing at them, which only deferred constraints allow.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {COUNTS}
        SELECT d.target_id, x.status, {BUCKET.format("x.attempted_delivery")},
               sum(d.n), false
        FROM ({record_rows("new_rows", 1)}) d
        JOIN notify_admin_notification x ON x.user_target_id = d.id
        GROUP BY 1, 2, 3;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO {COUNTS}
        SELECT d.target_id, x.status, {BUCKET.format("x.attempted_delivery")},
               sum(d.n), false
        FROM ({record_rows("old_rows", -1)}) d
        JOIN notify_admin_notification x ON x.user_target_id = d.id
        GROUP BY 1, 2, 3;
    ELSE
        INSERT INTO {COUNTS}
        SELECT d.target_id, x.status, {BUCKET.format("x.attempted_delivery")},
               sum(d.n), false
        FROM (
            SELECT id, target_id, sum(n) AS n
            FROM ({record_rows("old_rows", -1)}
                  UNION ALL {record_rows("new_rows", 1)}) u
            GROUP BY 1, 2 HAVING sum(n) <> 0
        ) d
        JOIN notify_admin_notification x ON x.user_target_id = d.id
        GROUP BY 1, 2, 3 HAVING sum(d.n) <> 0;
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
    SELECT r.target_id, n.status, {BUCKET.format("n.attempted_delivery")},
           count(*), true
    FROM {NOTIFICATIONS} n JOIN {RECORDS} r ON r.id = n.user_target_id
    GROUP BY 1, 2, 3""",
]

UNINSTALL = [
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
        ("notify_admin", "0006_admin_scale_indexes"),
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
                ("target_id", models.UUIDField()),
                ("status", models.CharField(max_length=16)),
                ("bucket", models.DateTimeField(null=True)),
                ("n", models.BigIntegerField()),
                ("merged", models.BooleanField(default=False)),
            ],
            options={
                "default_permissions": (),
                "indexes": [
                    models.Index(
                        fields=["target_id", "status", "bucket"],
                        name="notify_admin_count_group_idx",
                    ),
                    models.Index(
                        fields=["bucket"], name="notify_admin_count_bucket_idx"
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
