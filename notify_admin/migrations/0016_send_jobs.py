"""Send jobs (issue 24): a checked file of recipients for one template
version, its stored bytes (SendJobChunk) and Notification.send_job."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notify_admin", "0017_rate_limit_bucket"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SendJob",
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
                (
                    "file_name",
                    models.CharField(max_length=255, verbose_name="file name"),
                ),
                (
                    "file_size",
                    models.PositiveBigIntegerField(verbose_name="file size (bytes)"),
                ),
                (
                    "file_sha256",
                    models.CharField(max_length=64, verbose_name="SHA-256"),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="created at"
                    ),
                ),
                (
                    "scheduled_for",
                    models.DateTimeField(
                        blank=True,
                        help_text="Blank: at once.",
                        null=True,
                        verbose_name="scheduled for",
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("checked", "Checked"),
                            ("awaiting_approval", "Waiting for approval"),
                            ("creating", "Creating notifications"),
                            ("scheduled", "Scheduled"),
                            ("sending", "Sending"),
                            ("finished", "Finished"),
                            ("cancelled", "Cancelled"),
                            ("failed", "Failed"),
                        ],
                        default="checked",
                        max_length=20,
                        verbose_name="state",
                    ),
                ),
                (
                    "approved_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="approved at"
                    ),
                ),
                (
                    "started_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="started at"
                    ),
                ),
                (
                    "finished_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="finished at"
                    ),
                ),
                (
                    "cancelled_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="cancelled at"
                    ),
                ),
                (
                    "row_count",
                    models.PositiveIntegerField(default=0, verbose_name="rows"),
                ),
                (
                    "skipped_count",
                    models.PositiveIntegerField(
                        default=0, verbose_name="skipped (opted out)"
                    ),
                ),
                (
                    "notification_count",
                    models.PositiveIntegerField(
                        default=0, verbose_name="notifications"
                    ),
                ),
                (
                    "created_count",
                    models.PositiveIntegerField(default=0, verbose_name="created"),
                ),
                (
                    "summary",
                    models.JSONField(
                        blank=True, default=dict, verbose_name="check summary"
                    ),
                ),
                (
                    "claimed_until",
                    models.DateTimeField(blank=True, editable=False, null=True),
                ),
                ("failure", models.TextField(blank=True, verbose_name="failure")),
                (
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="approved by",
                    ),
                ),
                (
                    "cancelled_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="cancelled by",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                (
                    "duplicate_confirmed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="duplicate confirmed by",
                    ),
                ),
                (
                    "duplicate_of",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="notify_admin.sendjob",
                        verbose_name="duplicate of",
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="send_jobs",
                        to="notify_admin.notificationtemplate",
                        verbose_name="template",
                    ),
                ),
                (
                    "template_version",
                    models.ForeignKey(
                        help_text="The version the file was checked against; rows use it.",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="send_jobs",
                        to="notify_admin.notificationtemplateversion",
                        verbose_name="template version",
                    ),
                ),
            ],
            options={
                "verbose_name": "send job",
                "verbose_name_plural": "send jobs",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="notification",
            name="send_job",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="notifications",
                to="notify_admin.sendjob",
                verbose_name="send job",
            ),
        ),
        migrations.CreateModel(
            name="SendJobChunk",
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
                ("index", models.PositiveIntegerField()),
                ("data", models.BinaryField()),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="chunks",
                        to="notify_admin.sendjob",
                    ),
                ),
            ],
            options={
                "verbose_name": "send job file chunk",
                "verbose_name_plural": "send job file chunks",
            },
        ),
        migrations.AddIndex(
            model_name="sendjob",
            index=models.Index(
                fields=["file_sha256", "template", "created_at"],
                name="notify_admin_sendjob_dup_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="sendjob",
            index=models.Index(fields=["state"], name="notify_admin_sendjob_state_idx"),
        ),
        migrations.AddConstraint(
            model_name="sendjobchunk",
            constraint=models.UniqueConstraint(
                fields=("job", "index"), name="notify_admin_sendjob_chunk_uniq"
            ),
        ),
    ]
