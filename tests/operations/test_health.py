"""The health and metrics views: who may see them, 200 vs 503, fixed queries."""

from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from notify_admin.models import DeliveryAttempt, DeliveryRun, Notification

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-health-token"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def token(settings):
    settings.NOTIFICATION_SYSTEM_HEALTH_TOKEN = TOKEN


@pytest.fixture
def recent_run(db):
    now = timezone.now()
    return DeliveryRun.objects.create(started_at=now, finished_at=now)


def notify(record, minutes_ago, status=Notification.SCHEDULED):
    when = timezone.now() - timedelta(minutes=minutes_ago)
    return Notification.objects.create(
        user_target=record,
        title="t",
        body="b",
        status=status,
        scheduled_delivery=when,
        attempted_delivery=None if status == Notification.SCHEDULED else when,
    )


@pytest.mark.parametrize("url", ["notify_admin:health", "notify_admin:metrics"])
def test_no_token_is_401_and_a_wrong_one_403(client, url):
    missing = client.get(reverse(url))
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert client.get(reverse(url), HTTP_AUTHORIZATION="Bearer nope").status_code == (
        403
    )
    assert client.get(reverse(url), HTTP_AUTHORIZATION=TOKEN).status_code == 401


def test_no_token_setting_lets_nobody_in_by_token(client, settings, recent_run):
    settings.NOTIFICATION_SYSTEM_HEALTH_TOKEN = ""
    response = client.get(reverse("notify_admin:health"), HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 401
    assert client.get(reverse("notify_admin:health"), **AUTH).status_code == 403


def test_staff_login_is_enough(client, admin_user, recent_run):
    client.force_login(admin_user)
    assert client.get(reverse("notify_admin:health")).status_code == 200


def test_healthy_is_200_with_the_figures(client, recent_run, make_user, make_record):
    record = make_record(make_user(), module="twilio")
    notify(record, 1)
    failed = notify(record, 2, status=Notification.DELIVERY_FAILURE)
    DeliveryAttempt.objects.create(notification=failed, outcome=failed.status)
    response = client.get(reverse("notify_admin:health"), **AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["healthy"] is True
    assert body["database"] is True
    assert body["due"] == 1
    assert 50 < body["oldest_due_age_seconds"] < 120
    assert body["last_run_age_seconds"] < 60
    assert body["failures_last_hour"] == {"Twilio": 1}


def test_a_stuck_queue_is_503(client, recent_run, make_user, make_record):
    notify(make_record(make_user()), 30)
    response = client.get(reverse("notify_admin:health"), **AUTH)
    assert response.status_code == 503
    assert response.json()["problems"] == ["a notification has been due for over 600 s"]


def test_no_recent_run_is_503(client, settings):
    assert client.get(reverse("notify_admin:health"), **AUTH).status_code == 503
    old = timezone.now() - timedelta(hours=1)
    DeliveryRun.objects.create(started_at=old, finished_at=old)
    response = client.get(reverse("notify_admin:health"), **AUTH)
    assert response.status_code == 503
    settings.NOTIFICATION_SYSTEM_HEALTH_LIMITS = {"run_age": 7200}
    assert client.get(reverse("notify_admin:health"), **AUTH).status_code == 200


def test_database_down_is_503(client, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(Notification.objects, "due", broken)
    response = client.get(reverse("notify_admin:health"), **AUTH)
    assert response.status_code == 503
    assert response.json()["database"] is False


def test_query_count_is_fixed(
    client, recent_run, make_user, make_record, django_assert_num_queries
):
    record = make_record(make_user())
    for minutes in range(20):
        failed = notify(record, minutes, status=Notification.RETRY)
        DeliveryAttempt.objects.create(notification=failed, outcome=failed.status)
    # Due, last run, failures per target, paused targets.
    with django_assert_num_queries(4):
        client.get(reverse("notify_admin:health"), **AUTH)


def test_metrics_in_prometheus_text_format(client, recent_run, make_user, make_record):
    pytest.importorskip("prometheus_client", reason="the metrics extra is absent")
    record = make_record(make_user(), module="expo")
    notify(record, 1)
    failed = notify(record, 2, status=Notification.INACTIVE_DEVICE)
    DeliveryAttempt.objects.create(notification=failed, outcome=failed.status)
    response = client.get(reverse("notify_admin:metrics"), **AUTH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "notify_admin_up 1.0" in text
    assert "notify_admin_due_notifications 1.0" in text
    assert 'notify_admin_failures_last_hour{target="Expo"} 1.0' in text


def test_post_is_refused(client):
    assert client.post(reverse("notify_admin:health"), **AUTH).status_code == 405


def test_paused_targets_are_listed_and_a_run_made_pause_is_a_problem(
    client, recent_run, targets
):
    from notify_admin.delivery.pauses import pause_target
    from notify_admin.models import TargetPause

    pause_target(targets["email"], reason="checking the text")
    staff_paused = client.get(reverse("notify_admin:health"), **AUTH)
    assert staff_paused.status_code == 200  # deliberate: listed, not a problem
    (listed,) = staff_paused.json()["paused_targets"]
    assert (listed["target"], listed["source"], listed["reason"]) == (
        targets["email"].name,
        "staff",
        "checking the text",
    )
    pause_target(
        targets["twilio"], reason="20003 Authenticate", source=TargetPause.CREDENTIALS
    )
    refused = client.get(reverse("notify_admin:health"), **AUTH)
    assert refused.status_code == 503
    body = refused.json()
    assert [p["target"] for p in body["paused_targets"]] == sorted(
        [targets["email"].name, targets["twilio"].name]
    )
    assert body["problems"] == [
        f"target {targets['twilio'].name} paused by a run (credentials): "
        "20003 Authenticate"
    ]


def test_paused_targets_in_the_metrics(client, recent_run, targets):
    pytest.importorskip("prometheus_client", reason="the metrics extra is absent")
    from notify_admin.delivery.pauses import pause_target

    pause_target(targets["expo"], reason="x")
    text = client.get(reverse("notify_admin:metrics"), **AUTH).content.decode()
    assert 'notify_admin_target_paused{source="staff",target="Expo"} 1.0' in text
