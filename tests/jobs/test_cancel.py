"""Cancelling a job: before it starts, in the middle of sending (the engine
delivers part of it first), while a worker holds some rows; its open rows end
as the Cancel action leaves them."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notify_admin.delivery import deliver_due
from notify_admin.jobs import (
    JobError,
    cancel,
    check_file,
    job_counts,
    prepare_job,
    start,
)
from notify_admin.models import Notification, SendJob

HEADER = ["user", "name", "code"]


@pytest.fixture
def started(job_template, job_people, job_file, job_sender):
    """A job of ``n`` email rows, started (rows due now)."""

    def make(n):
        job_people(n)
        upload = job_file(
            [HEADER] + [[f"person{i}", f"N{i}", f"C{i}"] for i in range(1, n + 1)]
        )
        job = prepare_job(
            check_file(upload, job_template),
            upload,
            template=job_template,
            by=job_sender,
        )
        return start(job)

    return make


def test_cancel_before_starting_creates_nothing_and_drops_the_file(
    job_template, job_people, job_file, job_sender
):
    job_people(2)
    upload = job_file([HEADER, ["person1", "A", "1"], ["person2", "B", "2"]])
    job = prepare_job(
        check_file(upload, job_template), upload, template=job_template, by=job_sender
    )
    assert cancel(job, job_sender) == 0
    assert job.state == SendJob.CANCELLED
    assert job.cancelled_by == job_sender and job.cancelled_at is not None
    assert not job.has_file
    with pytest.raises(Exception, match="cannot start: it is cancelled"):
        start(job)
    assert not Notification.objects.exists()


def test_cancel_mid_send(started, job_sender):
    job = started(6)
    # The engine delivers two rows, then job_sender cancel the job.
    result = deliver_due(batch_size=2, limit=2)
    assert result.delivered == 2 and len(mail.outbox) == 2
    # A worker holds one more row right now (its lease is live).
    held = Notification.objects.filter(
        send_job=job, status=Notification.SCHEDULED
    ).first()
    Notification.objects.filter(pk=held.pk).update(
        claim_token=uuid.uuid4(), claimed_until=timezone.now() + timedelta(minutes=5)
    )
    assert cancel(job, job_sender) == 3
    assert job.state == SendJob.CANCELLED
    rows = Notification.objects.filter(send_job=job)
    cancelled = rows.filter(status=Notification.OPTED_OUT)
    # Exactly what the admin's Cancel action leaves: OPTED_OUT, by whom, when.
    assert cancelled.count() == 3
    assert set(cancelled.values_list("cancelled_by", flat=True)) == {job_sender.pk}
    assert not cancelled.filter(cancelled_at=None).exists()
    assert not cancelled.exclude(claim_token=None).exists()
    assert rows.filter(status=Notification.DELIVERED).count() == 2
    assert rows.get(pk=held.pk).status == Notification.SCHEDULED  # in flight
    counts = job_counts(job)
    assert counts.by_status == {"DELIVERED": 2, "CANCELLED": 3, "SCHEDULED": 1}
    # Nothing cancelled is sent afterwards.
    Notification.objects.filter(pk=held.pk).update(claim_token=None, claimed_until=None)
    assert cancel(job, job_sender) == 1  # cancelling again catches what came back
    deliver_due()
    assert len(mail.outbox) == 2
    job.refresh_from_db()
    assert job.state == SendJob.CANCELLED


def test_cancelled_job_rows_can_be_undone_by_the_admin_action(
    started, job_sender, admin_client, post_action
):
    job = started(2)
    cancel(job, job_sender)
    rows = list(Notification.objects.filter(send_job=job))
    response = post_action(
        admin_client, Notification, "undo_cancel", rows, confirm="yes"
    )
    assert response.status_code == 302
    assert set(Notification.objects.values_list("status", flat=True)) == {
        Notification.SCHEDULED
    }


def test_a_finished_job_has_nothing_to_cancel(started, job_sender):
    job = started(1)
    deliver_due()
    job_counts(job)
    job.refresh_from_db()
    assert job.state == SendJob.FINISHED
    with pytest.raises(JobError, match="has finished"):
        cancel(job, job_sender)


def test_a_job_cancelled_while_waiting_for_the_background_is_never_created(
    job_template, job_people, job_file, job_sender, settings
):
    from notify_admin.jobs import process_send_jobs

    settings.NOTIFICATION_SYSTEM_SEND_JOB_BACKGROUND_ROWS = 1
    job_people(3)
    upload = job_file([HEADER] + [[f"person{i}", "N", "C"] for i in range(1, 4)])
    job = start(
        prepare_job(
            check_file(upload, job_template),
            upload,
            template=job_template,
            by=job_sender,
        )
    )
    assert job.state == SendJob.CREATING
    cancel(job, job_sender)
    result = process_send_jobs()
    assert result.created == [] and result.failed == []
    assert not Notification.objects.exists()
    job.refresh_from_db()
    assert job.state == SendJob.CANCELLED
