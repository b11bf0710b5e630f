"""A send job: one checked file of recipients for one template version.

Staff upload a file (a ``user`` column, an optional ``target`` column, a
column per placeholder); :mod:`notify_admin.jobs` checks every row, and a
job that passed is kept here with the file's name, size and SHA-256, the
template version it was checked against (rows are rendered from that one,
even if the template is edited meanwhile), who created and approved it and
its counts. Each notification it creates points to it
(``Notification.send_job``).

The uploaded bytes are kept in :class:`SendJobChunk` rows (the database,
not a storage backend): a Celery worker or the cron command on another
machine reads them back at creation time without shared media storage, the
job and its file are saved in one transaction, and they are read back a
chunk at a time (memory flat whatever the file's size). They are deleted as
soon as they are no longer needed: when the rows are created, when the job
is cancelled, and (``process_send_jobs``) when a job was never started
within NOTIFICATION_SYSTEM_SEND_JOB_FILE_DAYS days.
"""

import io

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Bytes per stored chunk of an uploaded file.
CHUNK_SIZE = 1024 * 1024


class SendJob(models.Model):
    # Before any row exists.
    CHECKED = "checked"
    AWAITING_APPROVAL = "awaiting_approval"
    # Handed to the background (a Celery worker or the cron command) and
    # being created there: ``created_count`` follows it.
    CREATING = "creating"
    # Rows exist: waiting for ``scheduled_for``, then being delivered.
    SCHEDULED = "scheduled"
    SENDING = "sending"
    FINISHED = "finished"
    CANCELLED = "cancelled"
    # The background creation failed: nothing was created (``failure`` says
    # why); the job may be started again.
    FAILED = "failed"

    STATE_CHOICES = [
        (CHECKED, _("Checked")),
        (AWAITING_APPROVAL, _("Waiting for approval")),
        (CREATING, _("Creating notifications")),
        (SCHEDULED, _("Scheduled")),
        (SENDING, _("Sending")),
        (FINISHED, _("Finished")),
        (CANCELLED, _("Cancelled")),
        (FAILED, _("Failed")),
    ]
    #: States in which no notification exists yet and the job may start.
    STARTABLE_STATES = (CHECKED, AWAITING_APPROVAL, FAILED)
    #: States in which the job's file is still needed.
    FILE_STATES = (CHECKED, AWAITING_APPROVAL, CREATING, FAILED)
    #: States whose notifications exist.
    CREATED_STATES = (SCHEDULED, SENDING, FINISHED)

    template = models.ForeignKey(
        "notify_admin.NotificationTemplate",
        on_delete=models.PROTECT,
        related_name="send_jobs",
        verbose_name=_("template"),
    )
    template_version = models.ForeignKey(
        "notify_admin.NotificationTemplateVersion",
        on_delete=models.PROTECT,
        related_name="send_jobs",
        verbose_name=_("template version"),
        help_text=_("The version the file was checked against; rows use it."),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"))
    file_sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    scheduled_for = models.DateTimeField(
        _("scheduled for"), null=True, blank=True, help_text=_("Blank: at once.")
    )
    state = models.CharField(
        _("state"), max_length=20, choices=STATE_CHOICES, default=CHECKED
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Who said "send it anyway" when the same file had been sent to the same
    # template within the duplicate window.
    duplicate_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("duplicate confirmed by"),
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("duplicate of"),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    #: Data rows of the file (users), opted-out users among them.
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped (opted out)"), default=0)
    #: Notifications expected (one per active address) and created so far.
    notification_count = models.PositiveIntegerField(_("notifications"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    #: ``{"totals": {target name: count}, "skipped": [usernames, ...],
    #: "encoding": label, "columns": [...]}``: what the check found.
    summary = models.JSONField(_("check summary"), default=dict, blank=True)
    # The background creation's lease: a worker that died leaves it to
    # expire, and the next ``process_send_jobs`` run takes the job again.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    failure = models.TextField(_("failure"), blank=True)

    class Meta:
        verbose_name = _("send job")
        verbose_name_plural = _("send jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The duplicate guard: the same file for the same template lately.
            models.Index(
                fields=["file_sha256", "template", "created_at"],
                name="notify_admin_sendjob_dup_idx",
            ),
            models.Index(fields=["state"], name="notify_admin_sendjob_state_idx"),
        ]

    def __str__(self):
        return f"{self.file_name} → {self.template.key} (#{self.pk})"

    @property
    def is_startable(self):
        return self.state in self.STARTABLE_STATES

    @property
    def is_open(self):
        """Not finished and not cancelled: it may still be cancelled."""
        return self.state not in (self.FINISHED, self.CANCELLED)

    # -- the file -------------------------------------------------------------

    def store_file(self, stream):
        """Save ``stream``'s bytes (from its start) as this job's chunks;
        returns ``stream``."""
        if hasattr(stream, "seek"):
            stream.seek(0)
        index = 0
        while data := stream.read(CHUNK_SIZE):
            SendJobChunk.objects.create(job=self, index=index, data=data)
            index += 1
        return stream

    @property
    def has_file(self):
        return self.chunks.exists()

    def open_file(self):
        """The stored file as a binary, read-only stream (one chunk in memory)."""
        return ChunkReader(self)

    def delete_file(self):
        self.chunks.all().delete()


class SendJobChunk(models.Model):
    """Up to :data:`CHUNK_SIZE` bytes of a send job's uploaded file."""

    job = models.ForeignKey(SendJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        verbose_name = _("send job file chunk")
        verbose_name_plural = _("send job file chunks")
        constraints = [
            models.UniqueConstraint(
                fields=["job", "index"], name="notify_admin_sendjob_chunk_uniq"
            )
        ]

    def __str__(self):
        return f"{self.job_id}:{self.index}"


class ChunkReader(io.RawIOBase):
    """A job's stored file as a stream, one chunk read at a time."""

    def __init__(self, job):
        self.job_id = job.pk
        self.index = 0
        self.buffer = b""
        self.offset = 0
        self.done = False

    def readable(self):
        return True

    def readinto(self, target):
        while self.offset >= len(self.buffer) and not self.done:
            chunk = (
                SendJobChunk.objects.filter(job_id=self.job_id, index=self.index)
                .values_list("data", flat=True)
                .first()
            )
            if chunk is None:
                self.done = True
            else:
                self.buffer, self.offset = bytes(chunk), 0
                self.index += 1
        n = min(len(target), len(self.buffer) - self.offset)
        target[:n] = self.buffer[self.offset : self.offset + n]
        self.offset += n
        return n
