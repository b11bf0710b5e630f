"""Indexes for the admin over a million notifications (bench/admin_scale.py).

- (scheduled_delivery, id): the changelist's default order, so a page (even
  page 500) is read from the index instead of sorting the whole table;
- (attempted_delivery, status): the dashboard's "last 24 hours" cards and
  14-day chart, and the attempted-delivery range filter;
- PostgreSQL only: a trigram index on UPPER(title), the expression Django's
  ``icontains`` search compares, so searching titles needs no full scan.
  ``pg_trgm`` is a trusted extension (PostgreSQL 13+): the database owner may
  create it. Where it cannot be created the search still works, unindexed.
"""

from django.db import migrations, models, transaction

TRIGRAM_INDEX = "notify_admin_title_trgm_idx"


def create_trigram_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON "
                "notify_admin_notification USING gin "
                "(UPPER(title::text) gin_trgm_ops)"
            )
    except Exception:  # noqa: BLE001 (no permission: search stays unindexed)
        return


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("notify_admin", "0005_notification_cancelled"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                fields=["scheduled_delivery", "id"], name="notify_admin_sched_pk_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                fields=["attempted_delivery", "status"],
                name="notify_admin_attempted_idx",
            ),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
