"""The idempotency key of a notification (``creators.create_once``).

A nullable column (no table rewrite on PostgreSQL: existing rows get null)
and a partial unique index over the rows that have a key: the key is unique
while its row exists, and the admin's exact search by key reads the index.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    # 0011_consent_data in the brief; after main (with i22e's 0014 and 0017
    # and i24's 0016) was merged into this branch, after its leaf.
    dependencies = [
        ("notify_admin", "0016_send_jobs"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="idempotency_key",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text=(
                    "The creator's key: creating again with it returned this "
                    "row instead of a new one."
                ),
                max_length=255,
                null=True,
                verbose_name="idempotency key",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("idempotency_key__isnull", False)),
                fields=("idempotency_key",),
                name="notify_admin_idempotency_key_uniq",
            ),
        ),
    ]
