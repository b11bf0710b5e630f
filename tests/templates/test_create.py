"""Notification.objects.create_from_template: rows per address, rendered now."""

import pytest
from django.core import mail
from django.utils import timezone

from notify_admin.delivery import send_now
from notify_admin.exceptions import (
    TemplateChannelMissing,
    TemplateNotFound,
    TemplateRenderError,
    UserHasNoTargetRecords,
    UserIsOptedOut,
)
from notify_admin.models import Notification, NotificationOptOut

CONTENT = {
    "email_subject": "Order ((order)) shipped",
    "email_text": "Hi ((first_name)), order ((order)) is on its way.",
    "email_html": "<p>Hi ((first_name)), order <b>((order))</b></p>",
    "sms_text": "Order ((order)) shipped",
    "push_title": "Order ((order))",
    "push_body": "On its way, ((first_name))",
    "push_data": {"order": "((order))"},
}


@pytest.fixture
def order_template(make_template):
    return make_template(**CONTENT)


@pytest.fixture
def ann_everywhere(make_user, make_record):
    user = make_user(username="ann", first_name="Ann", email="ann@example.com")
    records = {
        "email": make_record(user, "email"),
        "twilio": make_record(user, "twilio"),
        "expo": make_record(user, "expo"),
    }
    user.records = records
    return user


def test_one_row_per_active_address_each_rendered_for_its_channel(
    order_template, ann_everywhere
):
    make_inactive = ann_everywhere.records["twilio"]
    make_inactive.active = False
    make_inactive.save()
    rows = Notification.objects.create_from_template(
        "order_shipped", ann_everywhere, {"order": "A<1>"}
    )
    by_module = {n.user_target.target.notification_module_name: n for n in rows}
    assert set(by_module) == {"email", "expo"}
    email, push = by_module["email"], by_module["expo"]
    assert (email.title, email.body) == (
        "Order A<1> shipped",
        "Hi Ann, order A<1> is on its way.",
    )
    assert email.extra == {"html": "<p>Hi Ann, order <b>A&lt;1&gt;</b></p>"}
    assert (push.title, push.body, push.extra) == (
        "Order A<1>",
        "On its way, Ann",
        {"data": {"order": "A<1>"}},
    )
    version = order_template.versions.get()
    assert {n.template_version_id for n in rows} == {version.pk}
    assert all(n.status == Notification.SCHEDULED for n in rows)


def test_what_is_sent_is_what_the_row_shows(order_template, ann_everywhere):
    (row,) = Notification.objects.create_from_template(
        order_template, ann_everywhere, {"order": "A1"}, targets="Email"
    )
    send_now(Notification.objects.filter(pk=row.pk))
    (message,) = mail.outbox
    assert message.subject == row.title
    assert message.body == row.body
    assert message.alternatives[0][0] == row.extra["html"]
    assert message.to == ["ann@example.com"]


def test_editing_the_template_changes_no_existing_notification(
    order_template, ann_everywhere
):
    rows = Notification.objects.create_from_template(
        order_template, ann_everywhere, {"order": "A1"}
    )
    before = {n.pk: (n.title, n.body, n.extra, n.template_version_id) for n in rows}
    first = order_template.versions.get()
    new = order_template.save_content(
        {**CONTENT, "sms_text": "Changed ((order))"}, "en"
    )
    assert new.number == 2 and new.changed_fields == ["sms_text"]
    for row in Notification.objects.filter(pk__in=before):
        assert (row.title, row.body, row.extra, row.template_version_id) == before[
            row.pk
        ]
        assert row.template_version_id == first.pk
    (sms,) = Notification.objects.create_from_template(
        order_template, ann_everywhere, {"order": "A2"}, targets=["Twilio"]
    )
    assert sms.body == "Changed A2" and sms.template_version == new


def test_an_opted_out_user_gets_nothing(order_template, ann_everywhere):
    NotificationOptOut.objects.create(user=ann_everywhere, active=True)
    with pytest.raises(UserIsOptedOut):
        Notification.objects.create_from_template(
            order_template, ann_everywhere, {"order": "1"}
        )
    assert (
        Notification.objects.create_from_template(
            order_template, ann_everywhere, {"order": "1"}, quiet=True
        )
        == []
    )
    assert not Notification.objects.exists()


def test_a_user_without_an_address_on_the_templates_channels(
    make_template, ann_everywhere
):
    sms_only = make_template("sms_only", sms_text="Hi")
    ann_everywhere.records["twilio"].delete()
    with pytest.raises(UserHasNoTargetRecords):
        Notification.objects.create_from_template(sms_only, ann_everywhere)


def test_a_channel_the_template_leaves_out_is_an_error_at_creation(
    make_template, ann_everywhere
):
    email_only = make_template("email_only", email_subject="S", email_text="T")
    with pytest.raises(TemplateChannelMissing, match="has no SMS part") as caught:
        Notification.objects.create_from_template(
            email_only, ann_everywhere, targets=["Twilio"]
        )
    assert caught.value.part == "sms"
    assert not Notification.objects.exists()
    # Without targets, only the template's own channels are used.
    rows = Notification.objects.create_from_template(email_only, ann_everywhere)
    assert [n.user_target.target.name for n in rows] == ["Email"]


def test_a_missing_value_creates_nothing(order_template, ann_everywhere):
    with pytest.raises(TemplateRenderError, match="Missing personalisation: order"):
        Notification.objects.create_from_template(order_template, ann_everywhere, {})
    assert not Notification.objects.exists()


def test_unknown_template_key(ann_everywhere):
    with pytest.raises(TemplateNotFound, match="no message template with the key"):
        Notification.objects.create_from_template("nope", ann_everywhere)


def test_the_same_call_twice_returns_the_open_rows(order_template, ann_everywhere):
    first = Notification.objects.create_from_template(
        order_template, ann_everywhere, {"order": "1"}
    )
    again = Notification.objects.create_from_template(
        order_template, ann_everywhere, {"order": "1"}
    )
    assert {n.pk for n in again} == {n.pk for n in first}
    other = Notification.objects.create_from_template(
        order_template, ann_everywhere, {"order": "2"}
    )
    assert not {n.pk for n in other} & {n.pk for n in first}


def test_schedule_and_retry_settings_are_kept(order_template, ann_everywhere):
    when = timezone.now() + timezone.timedelta(days=1)
    rows = Notification.objects.create_from_template(
        order_template,
        ann_everywhere,
        {"order": "1"},
        scheduled_delivery=when,
        retry_time_interval=60,
        max_retries=5,
    )
    assert {
        (n.scheduled_delivery, n.retry_time_interval, n.max_retries) for n in rows
    } == {(when, 60, 5)}


PAGER = """
from notify_admin.channels.base import Channel as BaseChannel, Outcome


class Channel(BaseChannel):
    module_name = "pager"
    template_part = "sms"

    def transmit(self, messages):
        return [Outcome.sent("page")] * len(messages)
"""


def test_an_extra_channel_gets_the_part_it_declares(
    make_template, make_user, settings, tmp_path
):
    from notify_admin.models import NotificationTarget, TargetUserRecord

    (tmp_path / "pager.py").write_text(PAGER)
    (tmp_path / "silent.py").write_text(PAGER.replace('template_part = "sms"', ""))
    settings.NOTIFICATION_SYSTEM_HANDLERS = [str(tmp_path)]
    pager = NotificationTarget.objects.create(
        name="Pager", notification_module_name="pager"
    )
    silent = NotificationTarget.objects.create(
        name="Silent", notification_module_name="silent"
    )
    user = make_user()
    for target in (pager, silent):
        TargetUserRecord.objects.create(user=user, target=target, target_user_id="p-1")
    template = make_template(
        sms_text="Page ((code))", email_subject="S", email_text="T"
    )
    (row,) = Notification.objects.create_from_template(template, user, {"code": "7"})
    assert (row.user_target.target, row.body) == (pager, "Page 7")
    with pytest.raises(TemplateChannelMissing, match="on target Silent"):
        Notification.objects.create_from_template(template, user, targets=["Silent"])
