"""Saving a checked file as a job (nothing is sent yet)."""

import hashlib

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import NotificationTemplate, SendJob
from .approval import needs_approval
from .errors import JobError
from .source import opened


def prepare_job(check, uploaded_file, *, template, by, scheduled_for=None):
    """A :class:`~notify_admin.models.SendJob` for a file that passed
    :func:`~.check.check_file` (state ``checked``, or ``awaiting_approval``
    when it sends to more recipients than the approval threshold).

    ``uploaded_file`` must be the file that was checked (same SHA-256): its
    bytes are kept with the job until its rows are created. Raises JobError
    for a check with problems, another template or another file.
    """
    template = NotificationTemplate.objects.by_key(template)
    if not check.ok:
        raise JobError(
            _("A file with problems cannot be sent: fix them and upload it again.")
        )
    if check.template is None or check.template.pk != template.pk:
        raise JobError(_("The file was checked against another template."))
    job = SendJob(
        template=template,
        template_version=check.version,
        file_name=check.file_name,
        file_size=check.size,
        file_sha256=check.sha256,
        created_by=by if getattr(by, "pk", None) else None,
        scheduled_for=scheduled_for,
        row_count=check.row_count,
        skipped_count=check.skipped_count,
        notification_count=check.notification_count,
        summary=check.summary(),
    )
    if needs_approval(job, recipients=check.recipient_count):
        job.state = SendJob.AWAITING_APPROVAL
    with transaction.atomic():
        job.save()
        with opened(uploaded_file) as stream:
            stored = job.store_file(HashedReader(stream))
        if stored.hexdigest() != check.sha256:
            raise JobError(
                _("This is not the file that was checked: upload and check it again.")
            )
    return job


class HashedReader:
    """A stream whose bytes are hashed as :meth:`SendJob.store_file` reads them."""

    def __init__(self, stream):
        self.stream = stream
        self.hash = hashlib.sha256()

    def seek(self, offset):
        self.stream.seek(offset)

    def read(self, size):
        data = self.stream.read(size)
        self.hash.update(data)
        return data

    def hexdigest(self):
        return self.hash.hexdigest()
