"""``manage.py send_job``: the same problems printed, exit codes, dry run,
--at, the duplicate and approval guards, the admin log."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from notify_admin.models import Notification, SendJob

HEADER = "user,name,code\r\n"


@pytest.fixture
def csv_path(tmp_path):
    def make(text, name="people.csv"):
        path = tmp_path / name
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
        return str(path)

    return make


def run(*args):
    """``(exit status, stdout, stderr)`` of the command, as a shell sees it."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("send_job", *args, stdout=out, stderr=err)
        status = 0
    except CommandError as error:
        status = error.returncode
        err.write(str(error))
    except SystemExit as exit_:
        status = exit_.code
    return status, out.getvalue(), err.getvalue()


def test_a_clean_file_is_sent(job_template, job_people, csv_path):
    job_people(2, ("email", "twilio"))
    path = csv_path(HEADER + "person1,Ann,A1\r\nperson2,Bob,B2\r\n")
    status, out, err = run(path, "--template", "parcel_ready")
    assert status == 0, err
    job = SendJob.objects.get()
    assert "Read people.csv: 2 row(s), encoding UTF-8" in out
    assert "Email: 2 notification(s)" in out and "Twilio: 2 notification(s)" in out
    assert f"Send job #{job.pk}: 4 notification(s) created, sending" in out
    assert job.state == SendJob.SENDING and job.created_by is None
    assert Notification.objects.filter(send_job=job).count() == 4


def test_invalid_rows_are_printed_and_exit_1_with_nothing_saved(
    job_template, job_people, csv_path
):
    job_people(1)
    path = csv_path(HEADER + "person1,,A1\r\nghost,B,2\r\nperson1,A,1\r\n")
    status, out, err = run(path, "--template", "parcel_ready")
    assert status == 1
    assert err.splitlines()[:3] == [
        "line 3, column user: There is no user “ghost”.",
        "line 2, column name: No value for “name” (the email uses it).",
        "line 4, column user: User “person1” is already on line 2.",
    ]
    assert "Nothing sent: 3 problem(s)" in err
    assert not SendJob.objects.exists() and not Notification.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_process_prints_the_problems_and_exits_1(
    job_template, job_people, csv_path
):
    """As a script sees it: a real ``manage.py`` process (PostgreSQL: the
    child shares the test's database)."""
    from tests.support.processes import ROOT, child_env, database_url

    job_people(1)
    path = csv_path(HEADER + "person1,A,1\r\nghost,B,2\r\n")

    def send_job(*args):
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "send_job", path, *args],
            cwd=ROOT,
            env=child_env(DATABASE_URL=database_url()),
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = send_job("--template", "parcel_ready")
    assert done.returncode == 1
    assert "line 3, column user: There is no user “ghost”." in done.stderr
    assert not SendJob.objects.exists()
    done = send_job("--template", "nope")
    assert done.returncode == 1
    assert "There is no message template with the key 'nope'" in done.stderr


def test_dry_run_saves_nothing(job_template, job_people, csv_path):
    job_people(1)
    status, out, _err = run(
        csv_path(HEADER + "person1,A,1\r\n"), "--template", "parcel_ready", "--dry-run"
    )
    assert status == 0
    assert "Dry run: nothing was saved." in out
    assert not SendJob.objects.exists()


def test_at_schedules_the_rows(job_template, job_people, csv_path):
    job_people(1)
    at = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    status, out, _err = run(
        csv_path(HEADER + "person1,A,1\r\n"),
        "--template", "parcel_ready", "--at", at.isoformat(),
    )  # fmt: skip
    assert status == 0
    job = SendJob.objects.get()
    assert job.state == SendJob.SCHEDULED and job.scheduled_for == at
    assert Notification.objects.get().scheduled_delivery == at
    with pytest.raises(CommandError, match="not a date and time"):
        call_command("send_job", "x.csv", "--template", "parcel_ready", "--at", "soon")


def test_a_duplicate_file_needs_confirm_duplicate(job_template, job_people, csv_path):
    job_people(1)
    path = csv_path(HEADER + "person1,A,1\r\n")
    assert run(path, "--template", "parcel_ready")[0] == 0
    first = SendJob.objects.get()
    status, _out, err = run(path, "--template", "parcel_ready")
    assert status == 1
    assert f"job #{first.pk}" in err and "--confirm-duplicate" in err
    assert SendJob.objects.count() == 1
    status, _out, _err = run(path, "--template", "parcel_ready", "--confirm-duplicate")
    assert status == 0 and Notification.objects.count() == 2


def test_above_the_threshold_a_second_person_approves(
    job_template, job_people, csv_path, make_staff, settings
):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = 1
    job_people(2)
    path = csv_path(HEADER + "person1,A,1\r\nperson2,B,2\r\n")
    make_staff("notify_admin.send_notification", username="alice")
    make_staff("notify_admin.send_notification", username="bob")
    make_staff(username="carol")  # no send permission
    # Without an approver the job waits (exit 3): someone approves it in the admin.
    status, out, _err = run(path, "--template", "parcel_ready", "--as", "alice")
    assert status == 3 and "waits for approval" in out
    assert SendJob.objects.get().state == SendJob.AWAITING_APPROVAL
    SendJob.objects.all().delete()
    # The creator cannot approve; nor can someone without the permission.
    status, _out, err = run(
        path, "--template", "parcel_ready", "--as", "alice", "--approved-by", "alice"
    )
    assert status == 1 and "You created this job" in err
    status, _out, err = run(
        path, "--template", "parcel_ready", "--as", "alice", "--approved-by", "carol"
    )
    assert status == 1 and "permission to send notifications" in err
    status, _out, err = run(path, "--template", "parcel_ready", "--approved-by", "bob")
    assert status == 1 and "--approved-by needs --as" in err
    assert not SendJob.objects.exists()
    status, out, err = run(
        path, "--template", "parcel_ready", "--as", "alice", "--approved-by", "bob"
    )
    assert status == 0, err
    job = SendJob.objects.get()
    assert job.created_by.username == "alice" and job.approved_by.username == "bob"
    assert job.state == SendJob.SENDING and Notification.objects.count() == 2
    # Both names in the admin log.
    entries = LogEntry.objects.filter(object_id=str(job.pk)).order_by("pk")
    assert [(e.user.username, e.change_message) for e in entries] == [
        ("alice", "Created by the send_job command from people.csv."),
        ("bob", "Approved (send_job command); created by alice."),
        ("alice", "Started (send_job command): Sending."),
    ]


def test_unknown_users_in_options_are_refused(job_template, csv_path):
    with pytest.raises(CommandError, match="--as: there is no user 'nobody'"):
        call_command(
            "send_job", csv_path(HEADER), "--template", "parcel_ready", "--as", "nobody"
        )


def test_background_leaves_the_job_to_process_send_jobs(
    job_template, job_people, csv_path
):
    job_people(2)
    status, out, _err = run(
        csv_path(HEADER + "person1,A,1\r\nperson2,B,2\r\n"),
        "--template", "parcel_ready", "--background",
    )  # fmt: skip
    assert status == 0 and "handed to the background" in out
    assert SendJob.objects.get().state == SendJob.CREATING
    call_command("process_send_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Notification.objects.count() == 2
