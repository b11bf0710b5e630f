"""Provider feedback in the console: attempt columns, history inline, the
confirmation filter, the record's inactive reason and the dashboard panel."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notify_admin.admin.feedback import feedback_panel
from notify_admin.channels.expo import receipt_verdict as expo_verdict
from notify_admin.feedback.recording import apply, load
from notify_admin.feedback.twilio import status_verdict as twilio_verdict
from notify_admin.models import DeliveryAttempt, Notification

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:notify_admin_notification_changelist")


@pytest.fixture
def accepted(make_user, make_record, make_notification):
    """A DELIVERED notification and its accepting attempt."""

    def make(module="twilio", minutes_ago=30):
        at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
        record = make_record(make_user(), module)
        notification = make_notification(record, "DELIVERED", attempted_delivery=at)
        attempt = DeliveryAttempt.objects.create(
            notification=notification,
            outcome="DELIVERED",
            attempted_at=at,
            provider_id=f"SM{notification.pk.hex}",
        )
        return notification, attempt

    return make


def give(attempt, verdict, source="twilio_callback"):
    (pending,) = load(DeliveryAttempt.objects.filter(pk=attempt.pk))
    return apply([(pending, verdict)], source)


def test_attempts_inline_and_history_show_the_verdict(admin_client, accepted):
    notification, attempt = accepted()
    give(attempt, twilio_verdict("undelivered", "30006"))
    url = reverse("admin:notify_admin_notification_change", args=[notification.pk])
    html = admin_client.get(url).content.decode()
    assert "Provider status" in html and "undelivered" in html
    assert "Confirmed at" in html
    assert "Provider feedback history" in html
    assert "landline or unreachable carrier" in html


def test_confirmation_filter(admin_client, accepted):
    confirmed, a1 = accepted()
    waiting, _a2 = accepted()
    failed, a3 = accepted("expo")
    give(a1, twilio_verdict("delivered"))
    give(a3, expo_verdict("error", "", {"error": "MessageTooBig"}), "expo_receipt")

    def titles(value):
        response = admin_client.get(CHANGELIST, {"confirmation": value})
        return {str(n.pk) for n in response.context["cl"].result_list}

    assert titles("confirmed") == {str(confirmed.pk)}
    assert titles("awaiting") == {str(waiting.pk)}
    assert titles("failed") == {str(failed.pk)}


def test_confirmation_filter_query_count_is_fixed(admin_client, accepted):
    accepted()
    admin_client.get(CHANGELIST, {"confirmation": "awaiting"})
    with CaptureQueriesContext(connection) as few:
        admin_client.get(CHANGELIST, {"confirmation": "awaiting"})
    for _ in range(10):
        accepted()
    with CaptureQueriesContext(connection) as many:
        admin_client.get(CHANGELIST, {"confirmation": "awaiting"})
    assert len(few) == len(many)


def test_record_shows_why_and_when_it_went_inactive(admin_client, accepted):
    notification, attempt = accepted()
    give(attempt, twilio_verdict("failed", "21610"))
    record = notification.user_target
    url = reverse("admin:notify_admin_targetuserrecord_change", args=[record.pk])
    html = admin_client.get(url).content.decode()
    assert "Inactive reason" in html and "21610" in html
    assert "Inactivated at" in html
    # Read-only: not a form field staff could overwrite.
    assert 'name="inactive_reason"' not in html


def test_dashboard_panel_per_channel(admin_client, accepted):
    now = timezone.now()
    _n, a1 = accepted(minutes_ago=30)
    _n, a2 = accepted(minutes_ago=50)
    _n, a3 = accepted()
    accepted("expo")
    accepted(minutes_ago=60 * 30)  # older than 24 hours
    give(a1, twilio_verdict("delivered"))
    give(a2, twilio_verdict("delivered"))
    give(a3, twilio_verdict("undelivered", "30008"))
    panel = {row["channel"]: row for row in feedback_panel(now)}
    assert (panel["twilio"]["accepted"], panel["twilio"]["confirmed"]) == (3, 2)
    assert panel["twilio"]["failed"] == 1
    assert panel["expo"]["confirmed"] == 0 and panel["expo"]["median"] is None
    # Confirmed ~30 and ~50 minutes after acceptance: the median is one of them.
    assert datetime.timedelta(minutes=29) < panel["twilio"]["median"]
    html = admin_client.get(reverse("admin:app_list", args=["notify_admin"]))
    text = html.content.decode()
    row = re.search(r'<tr data-channel="twilio">(.*?)</tr>', text, re.S).group(1)
    assert '<td class="na-confirmed">2</td>' in row
    assert '<td class="na-failed-after">1</td>' in row
    assert Notification.objects.filter(status="DELIVERY_FAILURE").count() == 1
