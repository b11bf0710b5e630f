"""The console's sending actions, through the real engine and SDKs against the
fake provider servers: Send now, Send test notification, the preview."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.urls import reverse

from notify_admin.models import (
    DeliveryRun,
    Notification,
    NotificationOptOut,
    TargetUserRecord,
)

pytestmark = pytest.mark.django_db


def messages_of(client, response):
    return [str(m) for m in client.get(response["Location"]).context["messages"]]


@pytest.fixture
def sender_client(client, make_staff):
    user = make_staff(
        "notify_admin.view_notification",
        "notify_admin.change_notification",
        "notify_admin.send_notification",
        "notify_admin.view_targetuserrecord",
        "notify_admin.change_targetuserrecord",
    )
    client.force_login(user)
    client.user = user
    return client


def test_send_now_confirms_then_delivers_through_the_engine(
    sender_client,
    post_action,
    make_user,
    make_record,
    make_notification,
    fake_smtp,
    fake_twilio,
):
    eggs, ham = make_user(), make_user()
    email = make_notification(make_record(eggs), title="Mail now")
    sms_record = make_record(ham, "twilio", address="+14155552672")
    failed_sms = make_notification(sms_record, "DELIVERY_FAILURE", body="Code 1")
    bad_sms = make_notification(
        make_record(ham, "twilio", address="+14155552671"), body="Code 2"
    )
    delivered = make_notification(make_record(make_user()), "DELIVERED")
    fake_twilio.errors["+14155552671"] = 21211
    selected = [email, failed_sms, bad_sms, delivered]

    page = post_action(sender_client, Notification, "send_now", selected)
    assert page.status_code == 200
    assert "4 notifications selected" in page.content.decode()
    assert fake_smtp.messages == [] and fake_twilio.messages == []

    done = post_action(sender_client, Notification, "send_now", selected, confirm="yes")
    assert done.status_code == 302
    assert [m["to"] for m in fake_smtp.messages] == [eggs.email]
    assert [m["to"] for m in fake_twilio.messages] == ["+14155552672"]
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses[email.pk] == "DELIVERED"
    assert statuses[failed_sms.pk] == "DELIVERED"
    # Twilio's 21211 (invalid number) is a dead address for the engine.
    assert statuses[bad_sms.pk] == "INACTIVE_DEVICE"
    run = DeliveryRun.objects.get()
    assert (run.source, run.delivered, run.inactive) == ("admin", 2, 1)
    assert (
        "Send now: 2 delivered, 0 to retry, 0 failed, 1 inactive device, "
        "1 skipped (already delivered)." in messages_of(sender_client, done)
    )
    # One history entry per attempted row, with that row's own outcome; the
    # skipped (already delivered) row gets none.
    entries = dict(
        LogEntry.objects.filter(
            user=sender_client.user, action_flag=CHANGE
        ).values_list("object_id", "change_message")
    )
    assert set(entries) == {str(email.pk), str(failed_sms.pk), str(bad_sms.pk)}
    assert entries[str(email.pk)].endswith(": DELIVERED")
    assert "INACTIVE_DEVICE (21211" in entries[str(bad_sms.pk)]

    # The result page: every attempted row with user, address and reason, and
    # a link to exactly those rows in the changelist.
    assert done["Location"] == reverse(
        "admin:notify_admin_deliveryrun_result", args=[run.pk]
    )
    page = sender_client.get(done["Location"])
    table = page.content.decode()
    # Every selected row: the three attempts and the delivered row, skipped.
    assert table.count('<tr class="na-outcome-') == 4
    assert table.count('<tr class="na-outcome-unsent na-reason-delivered">') == 1
    assert "Already delivered." in table
    for text in (eggs.username, ham.username, eggs.email, "+14155552671", "21211"):
        assert text in table
    listed = sender_client.get(
        reverse("admin:notify_admin_notification_changelist"), {"run": run.pk}
    )
    # The list shows the same rows as the page: the skipped one too.
    assert {n.pk for n in listed.context["cl"].result_list} == {
        email.pk,
        failed_sms.pk,
        bad_sms.pk,
        delivered.pk,
    }


def test_send_now_is_hidden_and_forbidden_without_send_permission(
    client, make_staff, post_action, make_user, make_record, make_notification
):
    n = make_notification(make_record(make_user()))
    client.force_login(
        make_staff("notify_admin.view_notification", "notify_admin.change_notification")
    )
    page = client.get(reverse("admin:notify_admin_notification_changelist"))
    assert 'value="send_now"' not in page.content.decode()
    for data in ({}, {"confirm": "yes"}):
        response = post_action(client, Notification, "send_now", [n], **data)
        assert response.status_code == 403
    assert Notification.objects.get(pk=n.pk).status == "SCHEDULED"
    assert not DeliveryRun.objects.exists()


def test_send_test_notification_to_each_selected_address(
    sender_client, post_action, make_user, make_record, fake_smtp, fake_twilio
):
    eggs = make_user()
    mail = make_record(eggs)
    other_mail = make_record(eggs, address="second@example.com")
    phone = make_record(eggs, "twilio", address="+14155552671")
    inactive = make_record(make_user(), active=False)
    out = make_user()
    opted = make_record(out)
    NotificationOptOut.objects.create(user=out)
    fake_twilio.errors["+14155552671"] = 21211
    selected = [mail, phone, inactive, opted]

    page = post_action(
        sender_client, TargetUserRecord, "send_test_notification", selected
    )
    assert page.status_code == 200 and fake_smtp.messages == []
    done = post_action(
        sender_client,
        TargetUserRecord,
        "send_test_notification",
        selected,
        confirm="yes",
    )
    # Only the selected address, not the user's other email record.
    assert [m["to"] for m in fake_smtp.messages] == [mail.target_user_id]
    assert other_mail.target_user_id not in fake_smtp.received()
    assert fake_smtp.messages[0]["subject"] == "Test notification"
    shown = messages_of(sender_client, done)
    assert (
        "Test notifications: 1 delivered, 0 to retry, 0 failed, 1 inactive device, "
        "1 skipped (inactive address), 1 not sent (user opted out)." in shown
    )
    result = sender_client.get(done["Location"]).content.decode()
    assert "+14155552671" in result and "21211" in result
    # Every selected address is on the result page, with why it was not sent.
    assert inactive.target_user_id in result
    assert "The address is inactive." in result
    assert opted.target_user_id in result
    assert "The user opted out of notifications." in result
    tests = Notification.objects.filter(title="Test notification")
    assert tests.count() == 2
    assert LogEntry.objects.filter(action_flag=ADDITION).count() == 2
    assert DeliveryRun.objects.get().source == "admin-test"


def test_send_test_notification_needs_send_permission(
    client, make_staff, post_action, make_user, make_record
):
    record = make_record(make_user())
    client.force_login(
        make_staff(
            "notify_admin.view_targetuserrecord",
            "notify_admin.change_targetuserrecord",
        )
    )
    response = post_action(
        client, TargetUserRecord, "send_test_notification", [record], confirm="yes"
    )
    assert response.status_code == 403
    assert not Notification.objects.exists()


def test_preview_on_the_change_page_escapes_html(
    admin_client, make_user, make_record, make_notification, settings
):
    record = make_record(make_user())
    n = make_notification(
        record, title="Hi <b>there</b>", body="Plain <script>alert(1)</script>"
    )
    page = admin_client.get(
        reverse("admin:notify_admin_notification_change", args=[n.pk])
    ).content.decode()
    assert "Hi &lt;b&gt;there&lt;/b&gt;" in page
    assert "Plain &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert record.target_user_id in page
    assert "notifications@example.com" in page
    assert "notify_admin/css/admin.css" in page  # the preview's styles


def test_preview_of_html_email_is_sandboxed(
    admin_client, make_user, make_record, make_notification, monkeypatch
):
    from notify_admin.channels.email import EmailChannel

    monkeypatch.setattr(
        EmailChannel,
        "render_html",
        lambda self, n: '<p onclick="x()">Hi</p><script>alert(1)</script>',
    )
    n = make_notification(make_record(make_user()))
    page = admin_client.get(
        reverse("admin:notify_admin_notification_change", args=[n.pk])
    ).content.decode()
    assert '<iframe class="na-preview-html" sandbox=""' in page
    assert 'srcdoc="&lt;p onclick=&quot;x()&quot;&gt;Hi&lt;/p&gt;&lt;script&gt;' in page
    assert "<script>alert(1)</script>" not in page


def test_preview_of_sms_and_push(
    admin_client, make_user, make_record, make_notification
):
    user = make_user()
    sms = make_notification(make_record(user, "twilio"), body="Your code is 42")
    push = make_notification(
        make_record(user, "expo"), title="Ping", extra={"sound": "default"}
    )
    sms_page = admin_client.get(
        reverse("admin:notify_admin_notification_change", args=[sms.pk])
    ).content.decode()
    assert "Your code is 42" in sms_page and "+14155550100" in sms_page
    push_page = admin_client.get(
        reverse("admin:notify_admin_notification_change", args=[push.pk])
    ).content.decode()
    assert f"ExponentPushToken[{user.username}]" in push_page
    assert "<dt>sound</dt><dd><code>default</code></dd>" in push_page
