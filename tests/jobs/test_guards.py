"""The guards: the same file sent again within 24 hours needs a confirmation
naming the earlier job; above the threshold a second person holding the send
permission (not the creator) approves."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notify_admin.jobs import (
    ApprovalRefused,
    ApprovalRequired,
    DuplicateJob,
    JobNotStartable,
    approve,
    check_file,
    duplicate_of,
    may_approve,
    needs_approval,
    prepare_job,
    start,
)
from notify_admin.models import Notification, SendJob

HEADER = ["user", "name", "code"]
ROWS = [
    HEADER,
    ["person1", "Ann", "A1"],
    ["person2", "Bob", "B2"],
    ["person3", "Cy", "C3"],
]


@pytest.fixture
def upload_job(job_template, job_people, job_file, job_sender):
    """``make(rows=ROWS, by=job_sender, template=job_template)``: a prepared job."""
    job_people(3)

    def make(rows=ROWS, by=job_sender, template=job_template):
        upload = job_file(rows)
        check = check_file(upload, template)
        assert check.ok, check.errors
        return prepare_job(check, upload, template=template, by=by)

    return make


def test_the_same_file_again_within_24_hours_needs_a_confirmation(
    upload_job, job_sender
):
    first = start(upload_job())
    second = upload_job()
    assert duplicate_of(second) == first
    assert duplicate_of(second.file_sha256, second.template) == first
    with pytest.raises(DuplicateJob) as raised:
        start(second)
    assert raised.value.earlier == first
    message = str(raised.value)
    assert f"job #{first.pk}" in message and "recipients.csv" in message
    assert "by sender" in message and "Confirm to send it again" in message
    second.refresh_from_db()
    assert second.state == SendJob.CHECKED
    assert Notification.objects.count() == 3
    second = start(second, confirmed_duplicate=True, by=job_sender)
    assert second.state == SendJob.SENDING
    assert second.duplicate_of == first and second.duplicate_confirmed_by == job_sender
    assert Notification.objects.count() == 6


def test_what_is_not_a_duplicate(upload_job, make_template, job_sender):
    other_template = make_template(
        "other", email_subject="Hi ((name))", email_text="((code))"
    )
    checked_only = upload_job()  # never started: nothing of it was sent
    assert duplicate_of(upload_job()) is None
    start(checked_only)
    # Another file, or another template, or more than 24 hours ago.
    assert duplicate_of(upload_job(rows=ROWS[:2])) is None
    assert duplicate_of(upload_job(template=other_template)) is None
    SendJob.objects.filter(pk=checked_only.pk).update(
        started_at=timezone.now() - timedelta(hours=25)
    )
    assert duplicate_of(upload_job()) is None


def test_the_window_is_a_setting(upload_job, settings):
    first = start(upload_job())
    SendJob.objects.filter(pk=first.pk).update(
        started_at=timezone.now() - timedelta(hours=3)
    )
    settings.NOTIFICATION_SYSTEM_SEND_JOB_DUPLICATE_HOURS = 2
    assert duplicate_of(upload_job()) is None
    settings.NOTIFICATION_SYSTEM_SEND_JOB_DUPLICATE_HOURS = 4
    assert duplicate_of(upload_job()) == first


def test_above_the_threshold_a_job_waits_for_approval(upload_job, settings):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = 2
    job = upload_job()
    assert job.state == SendJob.AWAITING_APPROVAL and needs_approval(job)
    with pytest.raises(ApprovalRequired):
        start(job)
    assert not Notification.objects.exists()
    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = 3
    assert upload_job(rows=ROWS[:3]).state == SendJob.CHECKED
    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = None
    assert upload_job().state == SendJob.CHECKED


def test_the_creator_cannot_approve(upload_job, job_sender, settings):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = 1
    job = upload_job()
    assert may_approve(job, job_sender)[0] is False
    with pytest.raises(ApprovalRefused, match="You created this job"):
        approve(job, job_sender)
    job.refresh_from_db()
    assert job.state == SendJob.AWAITING_APPROVAL and job.approved_by is None


def test_a_user_without_the_send_permission_cannot_approve(
    upload_job, make_staff, settings
):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = 1
    job = upload_job()
    editor = make_staff("notify_admin.change_notification", username="editor")
    with pytest.raises(ApprovalRefused, match="permission to send notifications"):
        approve(job, editor)
    # Nor an inactive user who once had it.
    gone = make_staff(
        "notify_admin.send_notification", username="gone", is_active=False
    )
    with pytest.raises(ApprovalRefused):
        approve(job, gone)
    job.refresh_from_db()
    assert job.state == SendJob.AWAITING_APPROVAL


def test_a_second_person_with_the_send_permission_approves(
    upload_job, make_staff, make_user, settings
):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = 1
    job = upload_job()
    checker = make_staff("notify_admin.send_notification", username="checker")
    assert may_approve(job, checker) == (True, "")
    job = approve(job, checker)
    assert job.state == SendJob.CHECKED
    assert job.approved_by == checker and job.approved_at is not None
    assert not needs_approval(job)
    with pytest.raises(JobNotStartable, match="not waiting for approval"):
        approve(job, checker)
    job = start(job)
    assert job.state == SendJob.SENDING and Notification.objects.count() == 3
    # A superuser holds every permission.
    boss = make_user(username="boss", is_superuser=True, is_staff=True)
    assert may_approve(upload_job(), boss) == (True, "")


def test_a_threshold_lowered_after_the_check_still_holds_the_job(upload_job, settings):
    job = upload_job()
    assert job.state == SendJob.CHECKED
    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = 1
    with pytest.raises(ApprovalRequired):
        start(job)
    job.refresh_from_db()
    assert job.state == SendJob.AWAITING_APPROVAL
    assert not Notification.objects.exists()


def test_opted_out_users_do_not_count_as_recipients(upload_job, settings):
    from notify_admin.models import NotificationOptOut

    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = 2
    NotificationOptOut.objects.create(
        user=SendJob._meta.get_field("created_by").related_model.objects.get(
            username="person3"
        ),
        active=True,
    )
    job = upload_job()
    assert job.skipped_count == 1 and job.state == SendJob.CHECKED


@pytest.mark.parametrize(
    "name, value",
    [
        ("MAX_BYTES", 0),
        ("MAX_ROWS", "100"),
        ("BACKGROUND_ROWS", 2.5),
        ("BATCH_SIZE", True),
        ("DUPLICATE_HOURS", -1),
        ("FILE_DAYS", "7"),
        ("LEASE_SECONDS", 0),
        ("APPROVAL_THRESHOLD", -5),
        ("CELERY", "yes"),
    ],
)
def test_a_wrong_setting_is_a_system_check_error_naming_it(settings, name, value):
    from django.core import checks

    from notify_admin.jobs.checks import check_send_job_settings

    assert check_send_job_settings in checks.registry.registry.get_checks()
    setattr(settings, f"NOTIFICATION_SYSTEM_SEND_JOB_{name}", value)
    errors = check_send_job_settings()
    assert len(errors) == 1
    assert errors[0].msg.startswith(f"NOTIFICATION_SYSTEM_SEND_JOB_{name} must be")


def test_the_defaults_and_good_values_pass_the_checks(settings):
    from notify_admin.jobs.checks import check_send_job_settings

    assert check_send_job_settings() == []
    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = None
    settings.NOTIFICATION_SYSTEM_SEND_JOB_DUPLICATE_HOURS = 0.5
    settings.NOTIFICATION_SYSTEM_SEND_JOB_CELERY = True
    assert check_send_job_settings() == []
