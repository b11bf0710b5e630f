"""SMS STOP / START / HELP through Twilio's signed inbound webhook (the real
view, real signatures): Twilio's OptOutType decides, never the words."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from notify_admin.delivery import deliver_due
from notify_admin.models import (
    ConsentChange,
    InboundMessage,
    Notification,
)
from tests.support.fakes.twilio import TEST_AUTH_TOKEN

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://console.example.com"
NUMBER = "+14155552671"


@pytest.fixture(autouse=True)
def sms_public_url(settings):
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = PUBLIC_URL


def inbound_path():
    """Where the Twilio channel's declared ``inbound`` webhook is mounted."""
    return reverse(
        "notify_admin:channel-webhook",
        kwargs={"module_name": "twilio", "slug": "inbound"},
    )


def form(body="STOP", opt_out_type="STOP", number=NUMBER, sid=None):
    data = {
        "AccountSid": "AC" + "0" * 32,
        "MessageSid": sid or "SM" + uuid.uuid4().hex,
        "From": number,
        "To": "+14155550100",
        "Body": body,
        "NumMedia": "0",
    }
    if opt_out_type:
        data["OptOutType"] = opt_out_type
    return data


def sign(data, path=None):
    url = PUBLIC_URL + (path or inbound_path())
    return RequestValidator(TEST_AUTH_TOKEN).compute_signature(url, data)


def post(client, data, signature=None):
    return client.post(
        inbound_path(),
        data,
        headers={"X-Twilio-Signature": sign(data) if signature is None else signature},
    )


@pytest.fixture
def sms_people(make_user, make_record):
    """Two users sharing NUMBER (a family phone), one with another number."""
    ann, bob, cy = make_user(), make_user(), make_user()
    return {
        "ann": make_record(ann, "twilio", NUMBER),
        "ann_email": make_record(ann, "email"),
        "bob": make_record(bob, "twilio", NUMBER),
        "cy": make_record(cy, "twilio", "+14155552672"),
    }


def fresh(record):
    record.refresh_from_db()
    return record


def test_stop_makes_that_numbers_records_inactive_with_the_reason(client, sms_people):
    response = post(client, form())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.decode().endswith("<Response></Response>")
    for name in ("ann", "bob"):
        record = fresh(sms_people[name])
        assert (record.active, record.inactive_reason) == (
            False,
            "Opted out: the number sent STOP.",
        )
        assert record.stopped_at is not None and record.inactivated_at is not None
    assert fresh(sms_people["cy"]).active and fresh(sms_people["ann_email"]).active
    message = InboundMessage.objects.get()
    assert (message.from_number, message.opt_out_type, message.records_changed) == (
        NUMBER,
        "STOP",
        2,
    )
    assert message.payload["Body"] == "STOP"
    changes = ConsentChange.objects.all()
    assert {(c.via, c.enabled, c.record_id) for c in changes} == {
        ("sms_stop", False, sms_people["ann"].pk),
        ("sms_stop", False, sms_people["bob"].pk),
    }


def test_after_stop_sms_rows_are_opted_out_and_email_still_goes(
    client, sms_people, fake_twilio
):
    sms = Notification.objects.create(
        user_target=sms_people["ann"], title="t", body="b"
    )
    email = Notification.objects.create(
        user_target=sms_people["ann_email"], title="t", body="b"
    )
    post(client, form())
    result = deliver_due()
    assert (result.opted_out, result.delivered, result.inactive) == (1, 1, 0)
    sms.refresh_from_db()
    email.refresh_from_db()
    assert (sms.status, sms.opted_out_reason) == ("OPTED_OUT", "channel")
    assert email.status == "DELIVERED"
    assert fake_twilio.messages == []


def test_start_makes_them_active_again(client, sms_people, fake_twilio):
    post(client, form())
    response = post(client, form(body="UNSTOP", opt_out_type="START"))
    assert response.status_code == 200
    for name in ("ann", "bob"):
        record = fresh(sms_people[name])
        assert (record.active, record.stopped_at, record.inactive_reason) == (
            True,
            None,
            "",
        )
    assert InboundMessage.objects.get(opt_out_type="START").records_changed == 2
    assert ConsentChange.objects.filter(via="sms_start", enabled=True).count() == 2
    Notification.objects.create(user_target=sms_people["bob"], title="t", body="back")
    assert deliver_due().delivered == 1
    assert [m["to"] for m in fake_twilio.messages] == [NUMBER]


def test_start_leaves_a_dead_address_inactive(client, sms_people):
    dead = sms_people["cy"]
    dead.active, dead.inactive_reason = False, "Dead address: undelivered (30006)."
    dead.save()
    post(client, form(opt_out_type="START", number=dead.target_user_id))
    assert not fresh(dead).active
    assert InboundMessage.objects.get().records_changed == 0


@pytest.mark.parametrize(
    ("body", "opt_out_type", "active"),
    [
        ("HELP", "HELP", True),  # Twilio answers HELP; nothing changes
        ("STOP", "", True),  # the words alone change nothing
        ("stop please", None, True),
        ("arrêt", "STOP", False),  # Twilio's reading in another language counts
        ("STOP", "bogus", True),
    ],
)
def test_only_twilios_opt_out_type_counts(
    client, sms_people, body, opt_out_type, active
):
    assert post(client, form(body=body, opt_out_type=opt_out_type)).status_code == 200
    assert fresh(sms_people["ann"]).active is active
    message = InboundMessage.objects.get()
    assert message.body == body
    assert message.opt_out_type == (
        opt_out_type if opt_out_type in ("HELP", "STOP") else ""
    )


def tampered(data):
    signature = sign(data)
    return {**data, "From": "+14155552672"}, signature


@pytest.mark.parametrize(
    "case", ["missing", "wrong", "tampered field", "signed for another URL"]
)
def test_forged_messages_are_refused_before_any_query(client, sms_people, case):
    data = form()
    signature = {
        "missing": "",
        "wrong": "bm90IGEgc2lnbmF0dXJl",
        "signed for another URL": sign(data, "/notify-admin/webhooks/twilio/status/"),
    }.get(case)
    if case == "tampered field":
        data, signature = tampered(data)
    with CaptureQueriesContext(connection) as queries:
        response = post(client, data, signature=signature)
    assert response.status_code == 403
    assert len(queries) == 0
    assert fresh(sms_people["ann"]).active and not InboundMessage.objects.exists()


def test_a_replayed_message_is_stored_once(client, sms_people):
    data = form(sid="SM" + "1" * 32)
    assert post(client, data).status_code == 200
    assert post(client, data).status_code == 200
    assert InboundMessage.objects.count() == 1
    assert ConsentChange.objects.count() == 2


def test_bad_requests(client, sms_people, settings):
    assert client.get(inbound_path()).status_code == 405
    big = form(body="x" * 70_000)
    assert post(client, big).status_code == 413
    no_from = form()
    no_from.pop("From")
    assert post(client, no_from).status_code == 400
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = ""
    assert post(client, form()).status_code == 403
    assert not InboundMessage.objects.exists()


def test_the_admin_lists_inbound_messages_escaped(admin_client, client, sms_people):
    post(client, form(body="<script>alert(1)</script> STOP", opt_out_type="STOP"))
    url = reverse("admin:notify_admin_inboundmessage_changelist")
    html = admin_client.get(url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; STOP" in html
    assert "<script>alert(1)</script>" not in html
    filtered = admin_client.get(url, {"opt_out_type__exact": "STOP"})
    assert filtered.context["cl"].result_count == 1
    assert timezone.now() >= InboundMessage.objects.get().received_at


# -- Twilio error 21610: the number has opted out ---------------------------------


def test_a_send_refused_with_21610_stops_the_number(client, sms_people, fake_twilio):
    fake_twilio.errors[NUMBER] = 21610
    refused = Notification.objects.create(
        user_target=sms_people["ann"], title="t", body="b"
    )
    assert deliver_due().inactive == 1
    refused.refresh_from_db()
    assert refused.status == "INACTIVE_DEVICE"
    assert refused.attempts.get().error_code == "21610"
    # Every record of that number, as a STOP would: bob's too.
    for name in ("ann", "bob"):
        record = fresh(sms_people[name])
        assert not record.active and record.stopped_at is not None
        assert "error 21610" in record.inactive_reason
    assert fresh(sms_people["cy"]).active
    changes = ConsentChange.objects.filter(via="provider_opt_out")
    assert {c.record_id for c in changes} == {
        sms_people["ann"].pk,
        sms_people["bob"].pk,
    }
    assert all("error 21610" in c.detail for c in changes)
    # Bob's next SMS is opted out, not sent; START brings the number back.
    later = Notification.objects.create(
        user_target=sms_people["bob"], title="t", body="b"
    )
    assert deliver_due().opted_out == 1
    later.refresh_from_db()
    assert later.opted_out_reason == "channel"
    post(client, form(opt_out_type="START"))
    assert fresh(sms_people["bob"]).active


def test_a_status_callback_with_21610_stops_the_number(client, sms_people, fake_twilio):
    sent = Notification.objects.create(
        user_target=sms_people["ann"], title="t", body="b"
    )
    assert deliver_due().delivered == 1
    (message,) = fake_twilio.messages
    url, data, signature = fake_twilio.callback(message, "undelivered", 21610)
    response = client.post(
        url.removeprefix(PUBLIC_URL), data, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.status == "INACTIVE_DEVICE"
    for name in ("ann", "bob"):
        assert fresh(sms_people[name]).stopped_at is not None
    assert ConsentChange.objects.filter(via="provider_opt_out").count() == 2


def test_other_dead_codes_stop_nothing(sms_people, fake_twilio):
    fake_twilio.errors[NUMBER] = 21211
    Notification.objects.create(user_target=sms_people["ann"], title="t", body="b")
    assert deliver_due().inactive == 1
    assert not fresh(sms_people["ann"]).active
    assert fresh(sms_people["ann"]).stopped_at is None
    assert fresh(sms_people["bob"]).active
    assert not ConsentChange.objects.exists()
