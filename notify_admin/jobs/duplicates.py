"""The duplicate guard: the same file (SHA-256) sent to the same template
within NOTIFICATION_SYSTEM_SEND_JOB_DUPLICATE_HOURS (24 h) needs an explicit
confirmation naming the earlier job."""

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import NotificationTemplate, SendJob
from .limits import duplicate_window


def duplicate_of(job_or_sha, template=None, within=None):
    """The latest earlier job that *started* sending the same file to the
    same template within ``within`` (default: the setting), or None.

    ``job_or_sha``: a SendJob (its own template by default), or a SHA-256.
    A job only checked, or waiting for approval, is not a duplicate: nothing
    of it was sent."""
    within = duplicate_window() if within is None else within
    if isinstance(job_or_sha, SendJob):
        sha, exclude = job_or_sha.file_sha256, job_or_sha.pk
        template = template if template is not None else job_or_sha.template
    else:
        sha, exclude = str(job_or_sha), None
    template = NotificationTemplate.objects.by_key(template)
    earlier = SendJob.objects.filter(
        file_sha256=sha,
        template=template,
        started_at__gte=timezone.now() - within,
    )
    if exclude is not None:
        earlier = earlier.exclude(pk=exclude)
    return earlier.select_related("created_by").order_by("-started_at").first()


def duplicate_message(earlier):
    who = earlier.created_by.get_username() if earlier.created_by else _("a script")
    return _(
        "The same file was sent to this template by %(who)s at %(when)s (job "
        "#%(pk)s, %(name)s). Confirm to send it again."
    ) % {
        "who": who,
        "when": timezone.localtime(earlier.started_at).strftime("%Y-%m-%d %H:%M"),
        "pk": earlier.pk,
        "name": earlier.file_name,
    }
