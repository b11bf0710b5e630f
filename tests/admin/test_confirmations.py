"""Confirmation pages warn about what a send would meet (an inactive address),
Reschedule refuses a time in the past, and every report names its skipped
rows and why."""

import datetime

from django.utils import timezone

from notify_admin.models import Notification, TargetUserRecord


def test_send_now_warns_about_an_inactive_address(
    admin_client, post_action, make_user, make_record, make_notification
):
    row = make_notification(
        make_record(make_user(username="lou"), active=False), title="Hello lou"
    )
    page = post_action(admin_client, Notification, "send_now", [row])
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        "1 notification goes to an inactive address: it will not be sent, and "
        "becomes Inactive device" in html
    )
    assert "Scheduled (inactive address: not sent, becomes Inactive device)" in html
    # An active address gets no such warning.
    ok = make_notification(make_record(make_user()), title="Fine")
    html = post_action(admin_client, Notification, "send_now", [ok]).content.decode()
    assert "inactive address" not in html


def reschedule(client, post_action, rows, when):
    local = timezone.localtime(when)
    return post_action(
        client,
        Notification,
        "reschedule",
        rows,
        confirm="yes",
        scheduled_delivery_0=f"{local:%Y-%m-%d}",
        scheduled_delivery_1=f"{local:%H:%M:%S}",
    )


def test_reschedule_refuses_a_time_in_the_past(
    admin_client, post_action, make_user, make_record, make_notification
):
    row = make_notification(make_record(make_user()))
    before = row.scheduled_delivery
    past = timezone.now() - datetime.timedelta(days=365 * 7)
    page = reschedule(admin_client, post_action, [row], past)
    assert page.status_code == 200
    errors = page.context["form"].errors["scheduled_delivery"]
    assert "is in the past" in errors[0] and "Send now" in errors[0]
    row.refresh_from_db()
    assert row.scheduled_delivery == before
    # A few seconds ago (the time it took to fill in the form) is still now.
    done = reschedule(
        admin_client, post_action, [row], timezone.now() - datetime.timedelta(seconds=5)
    )
    assert done.status_code == 302
    future = timezone.now() + datetime.timedelta(days=1)
    assert reschedule(admin_client, post_action, [row], future).status_code == 302
    row.refresh_from_db()
    assert abs((row.scheduled_delivery - future).total_seconds()) < 1


def messages_of(client, response):
    return [str(m) for m in client.get(response["Location"]).context["messages"]]


def test_cancel_names_the_row_it_skipped_and_why(
    admin_client, post_action, make_user, make_record, make_notification
):
    record = make_record(make_user(username="max"))
    open_row = make_notification(record, title="Open")
    sent = make_notification(record, "DELIVERED", title="Sent already")
    done = post_action(
        admin_client, Notification, "cancel", [open_row, sent], confirm="yes"
    )
    assert (
        "1 notification cancelled (marked OPTED_OUT); 1 skipped. Already "
        f"delivered: “Sent already” for max (Email, {record.target_user_id})."
    ) in messages_of(admin_client, done)
    # Cancelling it again says who cancelled it and when.
    again = post_action(admin_client, Notification, "cancel", [open_row], confirm="yes")
    shown = " ".join(messages_of(admin_client, again))
    assert "1 skipped. Cancelled by admin at " in shown and "“Open” for max" in shown


def test_send_test_names_the_skipped_addresses(
    admin_client, post_action, make_user, make_record, fake_smtp
):
    off = make_record(make_user(username="ned"), active=False)
    done = post_action(
        admin_client, TargetUserRecord, "send_test_notification", [off], confirm="yes"
    )
    page = admin_client.get(done["Location"]).content.decode()
    assert "ned" in page and off.target_user_id in page
    assert "The address is inactive." in page


def test_compose_measures_live_through_the_channels(admin_client, client, make_staff):
    from django.urls import reverse

    from notify_admin.channels import get_channel

    url = reverse("admin:notify_admin_notification_measure")
    answer = admin_client.post(
        url,
        {
            "title": "Hi",
            "body": "x" * 161,
            "extra": '{"sound": "default"}',
            "modules": "twilio,expo,no_such_channel",
        },
    ).json()["sizes"]
    assert [s["module"] for s in answer] == ["twilio", "expo"]
    sms, push = answer
    assert sms["summary"] == "SMS: 161 characters, GSM-7, 2 segments."
    assert "Send long SMS" in sms["problem"]
    expected = get_channel("expo").measure("Hi", "x" * 161, {"sound": "default"})
    assert push["summary"] == str(expected.summary) and push["problem"] == ""
    # Ticked, the long SMS is no problem; a bad extra counts as none.
    ticked = admin_client.post(
        url,
        {"body": "x" * 161, "modules": "twilio", "accept_long_sms": "on", "extra": "["},
    ).json()["sizes"]
    assert ticked[0]["problem"] == ""
    deep = admin_client.post(
        url, {"body": "b", "modules": "expo", "extra": "[" * 100000}
    )
    assert deep.status_code == 200
    # Only staff who may send; only POST.
    assert admin_client.get(url).status_code == 405
    client.force_login(make_staff("notify_admin.view_notification"))
    assert client.post(url, {"body": "x", "modules": "twilio"}).status_code == 403
