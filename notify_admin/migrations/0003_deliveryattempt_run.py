"""Each delivery attempt names the run (command or admin send) that made it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notify_admin", "0002_preload_targets"),
    ]

    operations = [
        migrations.AddField(
            model_name="deliveryattempt",
            name="run",
            field=models.ForeignKey(
                blank=True,
                help_text="The run (command or admin send) that made this attempt.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="attempts",
                to="notify_admin.deliveryrun",
                verbose_name="delivery run",
            ),
        ),
    ]
