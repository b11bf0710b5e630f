"""The result page of a sending action names every selected row with what
happened to it, "not sent: provider not configured" included; a test that
cannot go now is cancelled, never sent stale later."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from django.utils import timezone

from notify_admin.delivery import deliver_due
from notify_admin.models import (
    DeliveryRun,
    Notification,
    NotificationOptOut,
    TargetUserRecord,
)

MISSING_SID = 'NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["account_sid"]'


@pytest.fixture
def sender(client, make_staff):
    user = make_staff(
        "notify_admin.view_notification",
        "notify_admin.change_notification",
        "notify_admin.send_notification",
        "notify_admin.view_targetuserrecord",
        "notify_admin.change_targetuserrecord",
        username="sender",
    )
    client.force_login(user)
    client.user = user
    return client


def messages_of(client, response):
    return [str(m) for m in client.get(response["Location"]).context["messages"]]


def test_send_now_lists_every_row_with_what_happened(
    sender, post_action, make_user, make_record, make_notification, fake_smtp, no_twilio
):
    ann, bob, cy = (make_user(username=n) for n in ("ann", "bob", "cy"))
    mail = make_notification(make_record(ann), title="Invoice")
    sms = make_notification(make_record(bob, "twilio"), title="Code")
    done = make_notification(make_record(cy), "DELIVERED", title="Old news")
    response = post_action(
        sender, Notification, "send_now", [mail, sms, done], confirm="yes"
    )
    shown = messages_of(sender, response)
    assert (
        "Send now: 1 delivered, 0 to retry, 0 failed, 0 inactive devices, "
        "1 skipped (already delivered), 1 not sent (provider not configured)."
    ) in shown

    page = sender.get(response["Location"])
    body = page.content.decode()
    assert body.count('<tr class="na-outcome-') == 3
    assert '<tr class="na-outcome-unsent na-reason-not_configured">' in body
    assert f"The provider is not configured (set {MISSING_SID}" in body.replace(
        "&quot;", '"'
    )
    assert "+14155552671" in body and "bob" in body and "Code" in body
    assert '<tr class="na-outcome-unsent na-reason-delivered">' in body
    assert "Old news" in body and "Already delivered." in body
    # The unsent row stays as it was, due for the next run once configured.
    sms.refresh_from_db()
    assert sms.status == Notification.SCHEDULED and not sms.attempts.exists()
    # The list link shows the three rows too.
    listed = sender.get(
        reverse("admin:notify_admin_notification_changelist"),
        {"run": DeliveryRun.objects.get().pk},
    )
    assert {n.pk for n in listed.context["cl"].result_list} == {
        mail.pk,
        sms.pk,
        done.pk,
    }


def test_a_run_with_every_row_unsent_says_why_not_nothing(
    sender, post_action, make_user, make_record, make_notification, no_twilio
):
    sms = make_notification(make_record(make_user(username="dee"), "twilio"))
    response = post_action(sender, Notification, "send_now", [sms], confirm="yes")
    page = sender.get(response["Location"]).content.decode()
    assert "This run attempted no row." not in page
    assert "dee" in page and "Not sent" in page
    assert "1 not sent (provider not configured)." in page


def test_a_test_that_cannot_go_now_is_cancelled_not_queued(
    sender, post_action, make_user, make_record, fake_smtp, no_twilio, settings
):
    eve = make_user(username="eve")
    mail, phone = make_record(eve), make_record(eve, "twilio")
    response = post_action(
        sender,
        TargetUserRecord,
        "send_test_notification",
        [mail, phone],
        confirm="yes",
    )
    assert [m["to"] for m in fake_smtp.messages] == [mail.target_user_id]
    shown = messages_of(sender, response)
    assert (
        "Test notifications: 1 delivered, 0 to retry, 0 failed, 0 inactive "
        "devices, 1 not sent (provider not configured; test cancelled)."
    ) in shown
    test = Notification.objects.get(user_target=phone)
    # Cancelled by the staff member who sent it: never sent later.
    assert test.status == Notification.OPTED_OUT
    assert test.cancelled_by == sender.user
    assert test.cancelled_at is not None and test.claim_token is None
    assert LogEntry.objects.filter(
        object_id=str(test.pk), action_flag=CHANGE, change_message__contains="never"
    ).exists()
    page = sender.get(response["Location"]).content.decode()
    assert "+14155552671" in page
    assert "the test is cancelled, so it never goes out later" in page

    # The day Twilio is configured, the stale test does not go out.
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        **settings.NOTIFICATION_SYSTEM_TARGETS,
        "twilio_sms": {
            "account_sid": "AC" + "0" * 32,
            "auth_token": "t",
            "sender": "+14155550100",
        },
    }
    assert deliver_due().claimed == 0
    test.refresh_from_db()
    assert test.status == Notification.OPTED_OUT


def test_retry_lists_the_rows_it_skipped_on_the_result_page(
    sender, post_action, make_user, make_record, make_notification, fake_smtp
):
    gus = make_user(username="gus")
    record = make_record(gus)
    failed = make_notification(record, "DELIVERY_FAILURE", title="Fail")
    waiting = make_notification(record, title="Waiting")
    dead = make_notification(
        make_record(make_user(username="hal"), active=False),
        "INACTIVE_DEVICE",
        title="Dead",
    )
    response = post_action(
        sender, Notification, "retry", [failed, waiting, dead], confirm="yes"
    )
    page = sender.get(response["Location"]).content.decode()
    assert page.count('<tr class="na-outcome-') == 3
    assert "Only failed rows are retried; this one is Scheduled." in page
    assert "The address is inactive." in page
    assert "Waiting" in page and "Dead" in page and "hal" in page


def test_compose_and_send_now_lists_the_users_it_skipped(
    admin_client, post_action, make_user, make_record, fake_smtp
):
    from django.contrib.auth import get_user_model

    ida, jo = make_user(username="ida"), make_user(username="jo")
    make_record(ida)
    NotificationOptOut.objects.create(user=jo)
    response = post_action(
        admin_client,
        get_user_model(),
        "notify_compose",
        [ida, jo],
        confirm="yes",
        title="Hello all",
        body="News",
        extra="{}",
        send_now="on",
        scheduled_delivery_0=timezone.now().date().isoformat(),
        scheduled_delivery_1="00:00:00",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = admin_client.get(response["Location"]).content.decode()
    assert page.count('<tr class="na-outcome-') == 2
    assert "jo" in page and "The user opted out of notifications." in page


def test_send_now_names_a_paused_target_and_rows_the_breaker_held(
    sender,
    post_action,
    make_user,
    make_record,
    make_notification,
    fake_twilio,
    settings,
    targets,
):
    """Rows of a paused target, and rows left untouched once the provider's
    breaker opened during the send, are named with what holds them and why,
    not as "skipped: status Scheduled"."""
    from notify_admin.delivery.pauses import pause_target
    from tests.support.provider_settings import merge_targets

    merge_targets(settings, "twilio_sms", {"concurrency": 1})
    settings.NOTIFICATION_SYSTEM_BREAKER_THRESHOLD = 2
    fake_twilio.fail_status = 503
    ann = make_user(username="ann")
    paused = make_notification(make_record(ann), title="Invoice")
    sms = [
        make_notification(
            make_record(make_user(username=f"u{i}"), "twilio"), title="Code"
        )
        for i in range(5)
    ]
    pause_target(targets["email"], reason="mail provider <b>maintenance</b>")
    response = post_action(
        sender, Notification, "send_now", [paused, *sms], confirm="yes"
    )
    shown = messages_of(sender, response)
    assert (
        "Send now: 0 delivered, 2 to retry, 0 failed, 0 inactive devices, "
        "3 not sent (provider failing or daily limit reached), "
        "1 not sent (target paused)."
    ) in shown
    body = sender.get(response["Location"]).content.decode()
    assert body.count('<tr class="na-outcome-unsent na-reason-paused">') == 1
    # Staff-written text is escaped where it is shown.
    assert (
        "Email is paused: mail provider &lt;b&gt;maintenance&lt;/b&gt; "
        "(Paused by staff). It goes once resumed."
    ) in body
    assert "<b>maintenance" not in body
    assert body.count('<tr class="na-outcome-unsent na-reason-held">') == 3
    assert "(Circuit breaker: the provider kept failing): " in body
    paused.refresh_from_db()
    assert paused.status == Notification.SCHEDULED and not paused.attempts.exists()
    untouched = [row for row in sms if not row.attempts.exists()]
    assert len(untouched) == 3
