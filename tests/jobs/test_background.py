"""Large jobs in the background: the cron command's path, leases, retention,
progress seen while the one transaction is open (PostgreSQL), a cancel during
creation, and a real Celery worker creating a job (PostgreSQL and Redis)."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from notify_admin.jobs import cancel, check_file, prepare_job, process_send_jobs, start
from notify_admin.jobs.create import claim
from notify_admin.jobs.progress import Progress
from notify_admin.models import Notification, SendJob, SendJobChunk

HEADER = ["user", "name", "code"]


@pytest.fixture
def big_job(job_template, job_people, job_file, job_sender, settings):
    """``make(n)``: a job of ``n`` email rows over the background threshold
    (set to 2), prepared and not started."""
    settings.NOTIFICATION_SYSTEM_SEND_JOB_BACKGROUND_ROWS = 2

    def make(n):
        job_people(n)
        rows = [HEADER] + [[f"person{i}", f"N{i}", f"C{i}"] for i in range(1, n + 1)]
        upload = job_file(rows)
        check = check_file(upload, job_template)
        assert check.ok, check.errors
        return prepare_job(check, upload, template=job_template, by=job_sender)

    return make


def test_a_large_job_waits_for_the_cron_command(big_job, capsys):
    job = start(big_job(5))
    assert job.state == SendJob.CREATING and job.started_at is not None
    assert not Notification.objects.exists() and job.has_file
    call_command("process_send_jobs")
    out = capsys.readouterr().out
    assert f"Send job #{job.pk}: notifications created." in out
    assert "1 job(s) created, 0 failed" in out
    job.refresh_from_db()
    assert job.state == SendJob.SENDING and job.created_count == 5
    assert Notification.objects.filter(send_job=job).count() == 5
    assert not job.has_file
    # A second run has nothing to do.
    assert process_send_jobs().created == []


def test_a_job_another_process_holds_is_left_alone_until_its_lease_ends(big_job):
    job = start(big_job(3))
    assert claim(job)  # a worker took it ... and died
    assert not claim(job)
    assert process_send_jobs().created == []
    assert not Notification.objects.exists()
    SendJob.objects.filter(pk=job.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert process_send_jobs().created == [job.pk]
    assert Notification.objects.count() == 3


def test_the_cron_pass_finishes_jobs_and_expires_files(big_job):
    sent = start(big_job(3))
    process_send_jobs()
    Notification.objects.update(
        status=Notification.DELIVERED, attempted_delivery=timezone.now()
    )
    from django.contrib.auth import get_user_model

    # A job checked eight days ago and never started.
    forgotten = SendJob.objects.create(
        template=sent.template,
        template_version=sent.template_version,
        file_name="old.csv",
        file_size=3,
        file_sha256="0" * 64,
        created_by=get_user_model().objects.first(),
        created_at=timezone.now() - timedelta(days=8),
    )
    SendJobChunk.objects.create(job=forgotten, index=0, data=b"abc")
    result = process_send_jobs()
    assert result.finished == 1 and result.expired == 1
    sent.refresh_from_db()
    forgotten.refresh_from_db()
    assert sent.state == SendJob.FINISHED and sent.finished_at is not None
    assert forgotten.state == SendJob.CANCELLED and not forgotten.has_file
    assert "Never started within 7 days" in forgotten.failure


def test_forbidding_the_background_creates_in_the_caller(big_job):
    job = start(big_job(4), background=False)
    assert job.state == SendJob.SENDING and Notification.objects.count() == 4


# -- PostgreSQL: progress, cancel during creation, a real Celery worker -------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_is_seen_while_nothing_is_visible_yet(big_job, settings, monkeypatch):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_BATCH_SIZE = 10
    job = start(big_job(35))
    seen = []
    original = Progress.__call__
    outside = connections.create_connection("default")

    def watched(self, created):
        original(self, created)
        with outside.cursor() as cursor:
            cursor.execute(
                "SELECT created_count, claimed_until FROM notify_admin_sendjob "
                "WHERE id = %s",
                [job.pk],
            )
            count, until = cursor.fetchone()
            cursor.execute(
                "SELECT count(*) FROM notify_admin_notification WHERE send_job_id = %s",
                [job.pk],
            )
            seen.append((count, cursor.fetchone()[0], until is not None))

    monkeypatch.setattr(Progress, "__call__", watched)
    try:
        assert process_send_jobs().created == [job.pk]
    finally:
        outside.close()
    # The page sees the count grow, and no row before the commit.
    assert seen == [(10, 0, True), (20, 0, True), (30, 0, True), (35, 0, True)]
    assert Notification.objects.filter(send_job=job).count() == 35


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_cancelled_during_its_creation_creates_nothing(
    big_job, job_sender, settings, monkeypatch
):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_BATCH_SIZE = 5
    job = start(big_job(20))
    original = Progress.__call__

    def cancel_from_the_page(self, created):
        original(self, created)
        if created == 5:  # job_sender press Cancel while the rows are being created
            worker = threading.Thread(target=cancel_elsewhere, args=(job, job_sender))
            worker.start()
            worker.join(timeout=10)
            assert not worker.is_alive()

    monkeypatch.setattr(Progress, "__call__", cancel_from_the_page)
    result = process_send_jobs()
    assert result.created == [job.pk]  # it ran; its transaction rolled back
    job.refresh_from_db()
    assert job.state == SendJob.CANCELLED
    assert not Notification.objects.exists()


def cancel_elsewhere(job, job_sender):
    try:
        cancel(job, job_sender)
    finally:
        connection.close()


@pytest.fixture
def job_worker(django_db_setup, django_db_blocker, tmp_path):
    """One real `celery worker` process on Redis (NA_TEST_BROKER_URL)."""
    pytest.importorskip("celery", reason="Celery is not installed")
    pytest.importorskip("redis", reason="redis-py is not installed")
    from tests.support.celery_workers import BROKER, redis_or_skip
    from tests.support.processes import ROOT, child_env, database_url

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the worker shares the test's database")
    redis_or_skip().flushdb()
    log_path = tmp_path / "worker.log"
    log = open(log_path, "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "tests.celery_app", "worker",
            "--pool", "solo", "--hostname", "jobs@%h", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ],
        cwd=ROOT,
        env=child_env(DATABASE_URL=database_url(), NA_BROKER_URL=BROKER),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while " ready." not in log_path.read_text() and time.monotonic() < deadline:
        assert process.poll() is None, log_path.read_text()[-3000:]
        time.sleep(0.2)
    assert " ready." in log_path.read_text(), log_path.read_text()[-3000:]
    import celery

    app = celery.Celery("notify_admin_job_sender", broker=BROKER, set_as_current=True)
    app.conf.task_ignore_result = True
    yield {"log": log_path, "app": app}
    app.close()
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    log.close()


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_celery_worker_creates_a_large_job(job_worker, big_job, settings):
    from tests.support.celery_workers import wait_for

    settings.NOTIFICATION_SYSTEM_SEND_JOB_CELERY = True
    job = start(big_job(40))
    assert job.state == SendJob.CREATING
    assert wait_for(
        lambda: SendJob.objects.get(pk=job.pk).state == SendJob.SENDING, timeout=60
    ), job_worker["log"].read_text()[-3000:]
    job.refresh_from_db()
    assert job.created_count == 40 and not job.has_file
    assert Notification.objects.filter(send_job=job).count() == 40
    assert "notify_admin.create_send_job" in job_worker["log"].read_text()
    # The cron pass finds nothing left to create.
    assert process_send_jobs().created == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_never_stalls_the_creation(big_job, caplog):
    """A job row someone holds locked: the progress gives up after its lock
    timeout and says so; the creation goes on."""
    job = start(big_job(3))
    holder = connections.create_connection("default")
    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(
                "SELECT 1 FROM notify_admin_sendjob WHERE id = %s FOR UPDATE", [job.pk]
            )
            progress = Progress(job)
            began = time.monotonic()
            progress(1)
            took = time.monotonic() - began
            progress.close()
            cursor.execute("ROLLBACK")
    finally:
        holder.close()
    assert took < 5
    assert "progress not recorded" in caplog.text
    assert SendJob.objects.get(pk=job.pk).created_count == 0
    assert process_send_jobs().created == [job.pk]
