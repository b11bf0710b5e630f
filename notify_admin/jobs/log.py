"""Send jobs in Django's admin log (LogEntry), for what the command does.

The admin writes its own entries (with the request's user); the ``send_job``
command writes the same kind for the users it acts as (``--as``,
``--approved-by``). Nothing is written in a project without
``django.contrib.admin``, or without a user to name.
"""

from django.apps import apps


def log_job(job, user, message, *, added=False):
    if user is None or not apps.is_installed("django.contrib.admin"):
        return None
    from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    return LogEntry.objects.create(
        user_id=user.pk,
        content_type=ContentType.objects.get_for_model(job),
        object_id=str(job.pk),
        object_repr=str(job)[:200],
        action_flag=ADDITION if added else CHANGE,
        change_message=message,
    )
