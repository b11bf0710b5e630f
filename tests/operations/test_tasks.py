"""The Celery tasks' wiring, the beat schedule and the background-send page,
without a worker (tests/operations/test_celery.py runs real workers)."""

import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from notify_admin.background import SALT
from notify_admin.models import DeliveryRun, Notification
from tests.support.processes import ROOT

celery = pytest.importorskip(
    "celery", reason="Celery is not installed: pip install 'notify_admin[celery]'"
)

from notify_admin import tasks  # noqa: E402
from notify_admin.beat import BEAT_SCHEDULE  # noqa: E402

TASKS = [
    tasks.deliver_due_task,
    tasks.send_selected,
    tasks.check_receipts_task,
    tasks.purge_task,
    tasks.create_send_job,
    tasks.process_send_jobs_task,
]


def test_every_task_acks_late_and_is_requeued_when_its_worker_dies():
    for task in TASKS:
        assert task.acks_late is True, task.name
        assert task.reject_on_worker_lost is True, task.name


def test_the_beat_schedule_names_real_tasks():
    names = {task.name for task in TASKS}
    assert {entry["task"] for entry in BEAT_SCHEDULE.values()} <= names


def test_the_beat_schedule_imports_before_django_is_set_up():
    # A host's celery.py imports it at the top, before django.setup().
    code = (
        "import sys; from notify_admin.beat import BEAT_SCHEDULE; "
        "print(len(BEAT_SCHEDULE), 'django.db.models' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert out.stdout.split() == [str(len(BEAT_SCHEDULE)), "False"]


@pytest.mark.django_db
def test_the_purge_task_runs_the_command_code(make_user, make_record):
    old = timezone.now() - timedelta(days=40)
    n = Notification.objects.create(
        user_target=make_record(make_user()),
        title="t",
        body="b",
        status=Notification.DELIVERED,
        scheduled_delivery=old,
        attempted_delivery=old,
    )
    Notification.objects.filter(pk=n.pk).update(modified=old)
    assert tasks.purge_task.run(30) == {"notifications": 1, "attempts": 0, "runs": 0}
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_the_receipts_task_calls_the_feedback_module_when_present():
    try:
        from notify_admin.feedback.receipts import check_receipts  # noqa: F401
    except ImportError:
        assert tasks.check_receipts_task.run() is None
    else:
        assert isinstance(tasks.check_receipts_task.run(), dict)


# -- the background-send page ----------------------------------------------


def page_url(task_id, total=500):
    signed = signing.dumps({"task": task_id, "total": total}, salt=SALT)
    return reverse("notify_admin:background-send", args=[signed])


@pytest.mark.django_db
def test_the_page_waits_then_follows_the_run(admin_client, django_assert_num_queries):
    task_id = str(uuid.uuid4())
    waiting = admin_client.get(page_url(task_id)).content.decode()
    assert "500 notifications are waiting for a background worker." in waiting
    assert 'http-equiv="refresh"' in waiting
    run = DeliveryRun.objects.create(
        source=f"background:{task_id}", claimed=200, delivered=150, failed=3
    )
    going = admin_client.get(page_url(task_id)).content.decode()
    assert "Sending: 200 of 500 claimed so far." in going
    assert '<td class="delivered">150</td>' in going
    DeliveryRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(), claimed=500, delivered=497
    )
    # Session, user, the run, the paused targets (the banner).
    with django_assert_num_queries(4):
        done = admin_client.get(page_url(task_id)).content.decode()
    assert "Finished." in done
    assert 'http-equiv="refresh"' not in done


@pytest.mark.django_db
def test_a_forged_or_foreign_address_is_refused(admin_client, client, make_staff):
    assert admin_client.get(page_url("x")[:-4] + "abc/").status_code == 404
    other = signing.dumps({"task": "x", "total": 1}, salt="another-salt")
    url = reverse("notify_admin:background-send", args=[other])
    assert admin_client.get(url).status_code == 404
    # Not logged in: the admin login page; staff without the send permission: 403.
    assert client.get(page_url("x")).status_code == 302
    client.force_login(make_staff("notify_admin.view_notification"))
    assert client.get(page_url("x")).status_code == 403


@pytest.mark.django_db
def test_an_unreachable_broker_changes_nothing(
    admin_client, post_action, settings, make_user, make_record
):
    settings.NOTIFICATION_SYSTEM_BACKGROUND_SEND_THRESHOLD = 1
    record = make_record(make_user())
    rows = [
        Notification.objects.create(user_target=record, title="t", body="b")
        for _ in range(3)
    ]
    app = celery.Celery("unreachable", broker="redis://127.0.0.1:1/0")
    app.conf.broker_connection_retry = False
    app.conf.task_publish_retry = False
    with app:
        app.set_current()
        response = post_action(
            admin_client, Notification, "send_now", rows, confirm="yes"
        )
    assert response.status_code == 302
    text = admin_client.get(response["Location"]).content.decode()
    assert "Could not hand the selection to the background workers" in text
    assert set(Notification.objects.values_list("status", flat=True)) == {"SCHEDULED"}
    assert not DeliveryRun.objects.exists()


@pytest.mark.django_db
def test_send_selected_tries_rows_held_by_another_run_once_more(
    make_user, make_record, settings
):
    """The retry decision only (run locally with ``apply``; the workers'
    behaviour is in tests/operations/test_celery.py): rows another run holds are
    skipped, and the task retries once for them, then gives up."""
    settings.NOTIFICATION_SYSTEM_LEASE_SECONDS = 60
    record = make_record(make_user())
    free, held = (
        Notification.objects.create(user_target=record, title=t, body="b")
        for t in ("free", "held")
    )
    lease = timezone.now() + timedelta(minutes=1)
    Notification.objects.filter(pk=held.pk).update(
        claim_token=uuid.uuid4(), claimed_until=lease
    )
    source = f"background:{uuid.uuid4()}"
    tasks.send_selected.apply(
        args=([str(free.pk), str(held.pk)],), kwargs={"source": source}
    )
    runs = list(DeliveryRun.objects.filter(source=source).order_by("started_at"))
    # The first run sent the free row; the retry (one) found the other still held.
    assert [(run.claimed, run.delivered) for run in runs] == [(1, 1), (0, 0)]
    assert Notification.objects.get(pk=free.pk).status == Notification.DELIVERED
    assert Notification.objects.get(pk=held.pk).status == Notification.SCHEDULED
