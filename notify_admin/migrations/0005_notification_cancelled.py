"""A staff cancellation says who cancelled a notification and when (both
nullable: rows opted out by their user, and all older rows, have neither)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("notify_admin", "0004_deliveryattempt_feedback"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="cancelled_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="cancelled at"
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="cancelled by",
            ),
        ),
    ]
