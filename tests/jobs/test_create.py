"""Creating a job's notifications: one transaction, in batches, each row
pointing to its job, rendered from the pinned version; the job's states and
counts; the export."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notify_admin import jobs
from notify_admin.jobs import (
    JobError,
    JobNotStartable,
    check_file,
    job_counts,
    prepare_job,
    start,
)
from notify_admin.models import (
    Notification,
    NotificationOptOut,
    SendJob,
    SendJobChunk,
    TargetUserRecord,
)

HEADER = ["user", "name", "code"]


@pytest.fixture
def prepared(job_template, job_people, job_file, job_sender):
    """``make(n, modules=("email",), **prepare_kwargs)``: a checked job of
    ``n`` people (person1..n, values Name<i>, C<i>)."""

    def make(n, modules=("email",), **kwargs):
        job_people(n, modules)
        rows = [HEADER] + [[f"person{i}", f"Name{i}", f"C{i}"] for i in range(1, n + 1)]
        upload = job_file(rows)
        check = check_file(upload, job_template)
        assert check.ok, check.errors
        return prepare_job(
            check, upload, template=job_template, by=job_sender, **kwargs
        )

    return make


def test_prepare_keeps_the_file_and_what_the_check_found(
    prepared, job_template, job_sender
):
    job = prepared(3, ("email", "twilio"))
    assert job.state == SendJob.CHECKED
    assert job.template == job_template and job.created_by == job_sender
    assert job.template_version == job_template.current_versions()["en"]
    assert (job.row_count, job.skipped_count, job.notification_count) == (3, 0, 6)
    assert job.summary["totals"] == {"Email": 3, "Twilio": 3}
    assert job.has_file and job.open_file().read().startswith(b"user,name,code\r\n")
    assert len(job.file_sha256) == 64 and job.file_size > 0
    assert not Notification.objects.exists()


def test_prepare_refuses_another_file_than_the_one_checked(
    job_template, job_people, job_file, job_sender
):
    job_people(1)
    checked = job_file([HEADER, ["person1", "A", "1"]])
    check = check_file(checked, job_template)
    with pytest.raises(JobError, match="not the file that was checked"):
        prepare_job(
            check,
            job_file([HEADER, ["person1", "B", "1"]]),
            template=job_template,
            by=job_sender,
        )
    assert not SendJob.objects.exists() and not SendJobChunk.objects.exists()


def test_start_creates_every_row_pointing_to_its_job(prepared, job_template):
    job = start(prepared(3, ("email", "twilio")))
    assert job.state == SendJob.SENDING and job.started_at is not None
    assert job.created_count == 6
    rows = Notification.objects.filter(send_job=job)
    assert rows.count() == 6 == Notification.objects.count()
    version = job_template.current_versions()["en"]
    assert set(rows.values_list("template_version", flat=True)) == {version.pk}
    assert set(rows.values_list("status", flat=True)) == {Notification.SCHEDULED}
    row = rows.get(
        user_target__user__username="person2", user_target__target__name="Twilio"
    )
    assert row.body == "Code C2 for Name2"
    # The file is not kept once the rows exist.
    assert not job.has_file


def test_rows_are_created_in_batches_with_a_fixed_number_of_statements(
    prepared, settings
):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_BATCH_SIZE = 5
    job = prepared(23)
    with CaptureQueriesContext(connection) as small:
        start(job)
    assert Notification.objects.filter(send_job=job).count() == 23
    inserts = [q for q in small.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 5  # 23 rows in batches of 5
    Notification.objects.all().delete()
    SendJob.objects.all().delete()
    settings.NOTIFICATION_SYSTEM_SEND_JOB_BATCH_SIZE = 500
    TargetUserRecord.objects.all().delete()
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username__startswith="person").delete()
    big = prepared(60)
    with CaptureQueriesContext(connection) as large:
        start(big)
    assert Notification.objects.filter(send_job=big).count() == 60
    # One batch of 60 costs what a batch of 5 did: no query per row.
    assert len(large.captured_queries) <= len(small.captured_queries)


def test_a_failure_in_the_middle_leaves_nothing(prepared, settings, monkeypatch):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_BATCH_SIZE = 4
    job = prepared(10)
    calls = {"n": 0}
    original = Notification.objects.insert_rows

    def failing(rows):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(rows)

    monkeypatch.setattr(
        type(Notification.objects), "insert_rows", lambda self, rows: failing(rows)
    )
    with pytest.raises(RuntimeError, match="disk full"):
        start(job)
    assert calls["n"] == 2
    assert not Notification.objects.exists()
    job.refresh_from_db()
    assert job.state == SendJob.FAILED
    assert "Creating the notifications failed: disk full" in job.failure
    assert job.has_file  # kept: the job may be started again
    monkeypatch.undo()
    job = start(job)
    assert job.state == SendJob.SENDING and Notification.objects.count() == 10


def test_rows_that_can_no_longer_be_sent_fail_the_whole_job(prepared, job_template):
    from django.contrib.auth import get_user_model

    job = prepared(4)
    get_user_model().objects.filter(username="person3").delete()
    with pytest.raises(JobError, match="Nothing was created: 1 rows"):
        start(job)
    job.refresh_from_db()
    assert job.state == SendJob.FAILED
    assert "Line 4: There is no user “person3”." in job.failure
    assert not Notification.objects.exists()


def test_users_who_opted_out_since_the_check_are_skipped_and_counted(prepared):
    job = prepared(4, ("email", "twilio"))
    NotificationOptOut.objects.create(
        user=TargetUserRecord.objects.filter(user__username="person2").first().user,
        active=True,
    )
    TargetUserRecord.objects.filter(user__username="person3").update(active=False)
    job = start(job)
    assert job.created_count == 4  # person1 and person4, two channels each
    assert job.skipped_count == 1
    assert job.summary["skipped_at_creation"] == {"opted_out": 1, "no_address": 1}


def test_rows_use_the_version_pinned_at_check_time(prepared, job_template):
    job = prepared(2)
    job_template.save_content(
        {
            **job_template.current_versions()["en"].content(),
            "email_subject": "Changed ((name))",
        },
        "en",
    )
    start(job)
    titles = set(Notification.objects.values_list("title", flat=True))
    assert titles == {"Parcel for Name1", "Parcel for Name2"}


def test_a_job_at_a_later_time_is_scheduled_then_sending_then_finished(prepared):
    at = timezone.now() + timedelta(hours=2)
    job = start(prepared(2, scheduled_for=at))
    assert job.state == SendJob.SCHEDULED
    rows = Notification.objects.filter(send_job=job)
    assert set(rows.values_list("scheduled_delivery", flat=True)) == {at}
    assert not Notification.objects.due().exists()
    counts = job_counts(job)
    job.refresh_from_db()
    assert job.state == SendJob.SCHEDULED and counts.open == 2
    SendJob.objects.filter(pk=job.pk).update(scheduled_for=timezone.now())
    job.refresh_from_db()
    job_counts(job)
    job.refresh_from_db()
    assert job.state == SendJob.SENDING
    rows.update(status=Notification.DELIVERED, attempted_delivery=timezone.now())
    counts = job_counts(job)
    assert counts.by_status == {"DELIVERED": 2} and counts.open == 0
    job.refresh_from_db()
    assert job.state == SendJob.FINISHED and job.finished_at is not None


def test_counts_by_status_and_channel_in_one_query(prepared, due):
    job = start(prepared(3, ("email", "twilio")))
    rows = Notification.objects.filter(send_job=job).order_by("pk")
    first, second = rows[0], rows[1]
    Notification.objects.filter(pk=first.pk).update(
        status=Notification.DELIVERY_FAILURE, attempted_delivery=timezone.now()
    )
    Notification.objects.filter(pk=second.pk).update(
        status=Notification.OPTED_OUT, cancelled_at=timezone.now()
    )
    due()  # a row of no job is not counted
    with CaptureQueriesContext(connection) as captured:
        counts = job_counts(job, settle=False)
    assert len(captured.captured_queries) == 1
    assert counts.total == 6
    assert counts.by_status == {"SCHEDULED": 4, "DELIVERY_FAILURE": 1, "CANCELLED": 1}
    assert sum(sum(c.values()) for c in counts.by_target.values()) == 6
    assert set(counts.by_target) == {"Email", "Twilio"}
    assert counts.as_dict()["open"] == 4


def test_a_started_job_cannot_start_again(prepared):
    job = start(prepared(1))
    with pytest.raises(JobNotStartable, match="it is sending"):
        start(job)
    assert Notification.objects.count() == 1


def test_export_rows_give_outcome_and_the_providers_reason(prepared):
    from notify_admin.models import DeliveryAttempt

    job = start(prepared(2, ("email",)))
    failed, cancelled = Notification.objects.filter(send_job=job).order_by("pk")
    now = timezone.now()
    Notification.objects.filter(pk=failed.pk).update(
        status=Notification.DELIVERY_FAILURE, attempted_delivery=now, retry_attempts=3
    )
    DeliveryAttempt.objects.create(
        notification=failed, outcome="DELIVERY_FAILURE", error_code="550",
        error_message="Mailbox unavailable", attempted_at=now - timedelta(minutes=5),
    )  # fmt: skip
    DeliveryAttempt.objects.create(
        notification=failed, outcome="DELIVERY_FAILURE", error_code="552",
        error_message="Mailbox full", attempted_at=now,
    )  # fmt: skip
    jobs.cancel(job, None)
    rows = {
        row[0]: dict(zip(jobs.EXPORT_COLUMNS, row, strict=True))
        for row in jobs.export_rows(job)
    }
    assert rows[str(failed.pk)]["status"] == "DELIVERY_FAILURE"
    assert rows[str(failed.pk)]["reason"] == "Mailbox full"
    assert rows[str(failed.pk)]["error_code"] == "552"
    assert rows[str(failed.pk)]["retry_attempts"] == 3
    assert rows[str(cancelled.pk)]["status"] == "CANCELLED"
    assert rows[str(cancelled.pk)]["reason"] == "cancelled by staff"
    assert rows[str(cancelled.pk)]["user"] in {"person1", "person2"}
    assert rows[str(cancelled.pk)]["address"].endswith("@example.com")


def test_a_saved_jobs_preview_reads_its_first_rows_from_the_pinned_version(
    prepared, job_template, monkeypatch
):
    from notify_admin.jobs import preview_job
    from notify_admin.jobs.reading import FileRows

    job = prepared(30, ("email", "twilio"))
    NotificationOptOut.objects.create(
        user=TargetUserRecord.objects.filter(user__username="person1").first().user,
        active=True,
    )
    job_template.save_content(
        {
            **job_template.current_versions()["en"].content(),
            "email_subject": "Changed ((name))",
        },
        "en",
    )
    rows = preview_job(job, limit=3)
    # person1 opted out since the check: the preview shows what will be sent.
    assert [row.line for row in rows] == [3, 4, 5]
    email = rows[0].messages[0]
    assert (email.target, email.rendered.title) == ("Email", "Parcel for Name2")
    assert rows[0].messages[1].rendered.body == "Code C2 for Name2"
    # The file is read only as far as the rows shown (a batch of 20).
    read = []
    original = FileRows.__iter__

    def counted(self):
        for row in original(self):
            read.append(row[0])
            yield row

    monkeypatch.setattr(FileRows, "__iter__", counted)
    preview_job(job, limit=3)
    assert len(read) == 20
    start(job)
    assert preview_job(job) == []  # the file is gone once the rows exist


def test_prepare_refuses_a_check_of_another_template(
    job_template, job_people, job_file, job_sender, make_template
):
    job_people(1)
    other = make_template("other", email_subject="Hi ((name))", email_text="((code))")
    upload = job_file([HEADER, ["person1", "A", "1"]])
    check = check_file(upload, job_template)
    with pytest.raises(JobError, match="checked against another template"):
        prepare_job(check, upload, template=other, by=job_sender)
    assert not SendJob.objects.exists()


def test_a_job_in_another_language_pins_that_version(
    make_template, job_people, job_file, job_sender
):
    template = make_template(
        "greeting",
        email_subject="Hello ((name))",
        email_text="Code ((code))",
        languages={
            "fr": {"email_subject": "Bonjour ((name))", "email_text": "Code ((code))"}
        },
    )
    job_people(1)
    upload = job_file([HEADER, ["person1", "Zoé", "1"]])
    check = check_file(upload, template, language="fr")
    assert check.version.language == "fr"
    assert check.preview()[0].messages[0].rendered.title == "Bonjour Zoé"
    job = start(prepare_job(check, upload, template=template, by=job_sender))
    assert job.template_version.language == "fr"
    assert Notification.objects.get().title == "Bonjour Zoé"


def test_a_user_opted_out_at_the_check_is_counted_once(
    job_template, job_people, job_file, job_sender
):
    people = job_people(3)
    NotificationOptOut.objects.create(user=people[0], active=True)
    upload = job_file([HEADER] + [[f"person{i}", "N", "C"] for i in range(1, 4)])
    check = check_file(upload, job_template)
    job = prepare_job(check, upload, template=job_template, by=job_sender)
    assert job.skipped_count == 1
    job = start(job)
    assert job.skipped_count == 1 and job.created_count == 2
