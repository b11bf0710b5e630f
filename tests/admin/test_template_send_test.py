"""'Send test to me': values asked for, sent now, only to the staff user."""

import pytest
from django.core import mail
from django.urls import reverse

from notify_admin.models import Notification, NotificationOptOut


def url(template):
    return reverse(
        "admin:notify_admin_notificationtemplate_send_test", args=[template.pk]
    )


@pytest.fixture
def template(make_template):
    return make_template(
        email_subject="Code ((code)) for ((first_name))",
        email_text="Your code is ((code)).",
        email_html="<p>Your code is <b>((code))</b></p>",
        sms_text="Code ((code))",
        example={"code": "EX-1"},
    )


@pytest.fixture
def tester(make_staff, make_record):
    staff = make_staff(
        "notify_admin.view_notificationtemplate",
        "notify_admin.send_test_notificationtemplate",
        username="tester",
        first_name="Tess",
        email="tess@example.com",
    )
    make_record(staff, "email")
    make_record(staff, "twilio", address="+14155552671")
    return staff


def test_the_form_asks_for_each_placeholder_with_the_example_value(
    client, tester, template
):
    client.force_login(tester)
    page = client.get(url(template))
    assert page.status_code == 200
    form = page.context["form"]
    assert [form.fields[name].label for name in form.names] == ["code"]
    assert form["value_0"].initial == "EX-1"  # first_name is built in: no field
    assert len(form.fields["targets"].choices) == 2


def test_a_test_goes_to_my_own_address_only(
    client, tester, template, make_user, make_record
):
    other = make_user(username="someone")
    make_record(other, "email")
    client.force_login(tester)
    email_target = tester.notification_target_user_records.get(
        target__notification_module_name="email"
    ).target_id
    response = client.post(
        url(template),
        {"language": "en", "targets": [str(email_target)], "value_0": "<1234>"},
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["tess@example.com"]
    assert message.subject == "Code <1234> for Tess"
    assert message.alternatives[0][0] == "<p>Your code is <b>&lt;1234&gt;</b></p>"
    (row,) = Notification.objects.all()
    assert (row.status, row.max_retries) == (Notification.DELIVERED, 0)
    assert row.template_version == template.versions.get()


def test_a_missing_value_is_a_form_error_and_nothing_is_sent(client, tester, template):
    client.force_login(tester)
    targets = [
        str(t)
        for t, _n in client.get(url(template)).context["form"].fields["targets"].choices
    ]
    page = client.post(
        url(template), {"language": "en", "targets": targets, "value_0": ""}
    )
    assert page.status_code == 200
    assert "Missing personalisation: code" in page.context["form"].non_field_errors()
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_forged_target_is_refused(client, tester, template, targets):
    client.force_login(tester)
    expo = str(targets["expo"].pk)  # not one of my addresses
    page = client.post(
        url(template), {"language": "en", "targets": [expo], "value_0": "1"}
    )
    assert page.status_code == 200
    assert "targets" in page.context["form"].errors
    assert not Notification.objects.exists()


def test_an_opted_out_tester_is_told(client, tester, template):
    NotificationOptOut.objects.create(user=tester, active=True)
    client.force_login(tester)
    targets = [
        str(t)
        for t, _n in client.get(url(template)).context["form"].fields["targets"].choices
    ]
    page = client.post(
        url(template), {"language": "en", "targets": targets, "value_0": "1"}
    )
    assert "opted out" in " ".join(page.context["form"].non_field_errors())
    assert not Notification.objects.exists()


def test_sending_a_test_needs_its_own_permission(client, make_staff, template):
    viewer = make_staff("notify_admin.view_notificationtemplate")
    client.force_login(viewer)
    assert client.get(url(template)).status_code == 403
    assert client.post(url(template), {"language": "en"}).status_code == 403
    changer = make_staff(
        "notify_admin.view_notificationtemplate",
        "notify_admin.change_notificationtemplate",
    )
    client.force_login(changer)
    assert client.get(url(template)).status_code == 403


def test_without_an_address_the_page_says_how_to_add_one(client, make_staff, template):
    staff = make_staff(
        "notify_admin.view_notificationtemplate",
        "notify_admin.send_test_notificationtemplate",
    )
    client.force_login(staff)
    page = client.get(url(template))
    assert b"You have no active address" in page.content
