"""Helpers of the send-job admin tests (tests/jobs/test_admin_*.py and
tests/browser/test_send_jobs.py): a file's bytes, the admin's URLs, staff
with the permissions each role needs, a job made through the real API, and
the upload through the admin's own form."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notify_admin import jobs
from notify_admin.models import NotificationTarget, TargetUserRecord

#: What a person who uploads and sends jobs holds.
SENDER_PERMS = (
    "view_sendjob",
    "add_sendjob",
    "change_sendjob",
    "send_notification",
    "view_notification",
)
VIEWER_PERMS = ("view_sendjob",)


def staff(username, *codenames):
    user = get_user_model().objects.create_user(
        username, f"{username}@example.com", "password", is_staff=True
    )
    perms = Permission.objects.filter(
        content_type__app_label="notify_admin", codename__in=codenames
    )
    assert perms.count() == len(set(codenames)), codenames
    user.user_permissions.set(perms)
    return user


def people(n, prefix="person", module="email"):
    """``n`` users, each with an active address on ``module``'s target."""
    target = NotificationTarget.objects.get(notification_module_name=module)
    users = get_user_model().objects.bulk_create(
        [
            get_user_model()(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com")
            for i in range(n)
        ]
    )
    users = list(get_user_model().objects.filter(username__startswith=prefix))
    TargetUserRecord.objects.bulk_create(
        [
            TargetUserRecord(user=user, target=target, target_user_id=user.email)
            for user in users
        ]
    )
    return sorted(users, key=lambda u: u.pk)


def csv_bytes(header, rows, encoding="utf-8"):
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def csv_file(header, rows, name="people.csv"):
    return SimpleUploadedFile(name, csv_bytes(header, rows), "text/csv")


def url(name, job=None):
    """An admin URL of the send jobs: ``changelist``, ``add``, or a job's
    ``change``, ``preview``, ``counts``, ``approve``, ``cancel``, ``export``."""
    args = [job.pk] if job is not None else []
    return reverse(f"admin:notify_admin_sendjob_{name}", args=args)


def upload(client, chosen, data, name="people.csv", **fields):
    """POST the upload form with ``chosen`` (a template) and ``data`` (bytes)
    as the file; ``fields`` override any field (``template`` too)."""
    payload = {
        "template": chosen.pk,
        "language": "",
        "send": "now",
        "file": SimpleUploadedFile(name, data, "text/csv"),
        **fields,
    }
    return client.post(url("add"), payload)


def make_job(template, header, rows, by, name="people.csv", **kwargs):
    """A checked job made through the jobs API, as the upload page makes it."""
    data = csv_bytes(header, rows)
    check = jobs.check_file(SimpleUploadedFile(name, data, "text/csv"), template)
    assert check.ok, [str(problem) for problem in check.errors]
    return jobs.prepare_job(
        check,
        SimpleUploadedFile(name, data, "text/csv"),
        template=template,
        by=by,
        **kwargs,
    )
