"""TargetUserRecord, NotificationOptOut and NotificationTarget admins."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.urls import reverse

from notify_admin.models import (
    Notification,
    NotificationOptOut,
    NotificationTarget,
    TargetUserRecord,
)

pytestmark = pytest.mark.django_db


def url(model, view="changelist", *args):
    return reverse(f"admin:notify_admin_{model._meta.model_name}_{view}", args=args)


def shown(response):
    return {obj.pk for obj in response.context["cl"].result_list}


def messages_of(client, response):
    return [str(m) for m in client.get(response["Location"]).context["messages"]]


# --- TargetUserRecord ----------------------------------------------------------


@pytest.fixture
def records(make_user, make_record):
    eggs = make_user(username="eggs")
    ham = make_user(username="ham")
    return {
        "eggs_mail": make_record(eggs),
        "eggs_sms": make_record(eggs, "twilio"),
        "ham_mail": make_record(ham, active=False),
    }


def test_record_filters_target_and_active(admin_client, records, targets):
    by_target = admin_client.get(
        url(TargetUserRecord), {"target__id__exact": targets["twilio"].pk}
    )
    assert shown(by_target) == {records["eggs_sms"].pk}
    inactive = admin_client.get(url(TargetUserRecord), {"active__exact": "0"})
    assert shown(inactive) == {records["ham_mail"].pk}
    assert shown(admin_client.get(url(TargetUserRecord), {"q": "ham"})) == {
        records["ham_mail"].pk
    }


def test_mine_filter_lists_records_i_added_or_changed(
    client, admin_client, records, make_staff, post_action
):
    alice = make_staff(
        "notify_admin.view_targetuserrecord", "notify_admin.change_targetuserrecord"
    )
    client.force_login(alice)
    post_action(client, TargetUserRecord, "deactivate", [records["eggs_sms"]])
    # Someone else's change does not make it Alice's.
    post_action(admin_client, TargetUserRecord, "activate", [records["ham_mail"]])
    mine = client.get(url(TargetUserRecord), {"mine": "1"})
    assert shown(mine) == {records["eggs_sms"].pk}
    assert len(shown(client.get(url(TargetUserRecord)))) == 3
    # Django titles it "By staff member", the choice says "Me".
    assert "By staff member" in mine.content.decode()


def test_activate_and_deactivate_log_each_changed_record(
    admin_client, records, post_action
):
    selected = list(records.values())
    done = post_action(admin_client, TargetUserRecord, "deactivate", selected)
    assert not TargetUserRecord.objects.filter(active=True).exists()
    assert (
        "Deactivate: 2 records changed; 1 skipped, already inactive: ham (Email, "
        f"{records['ham_mail'].target_user_id})." in messages_of(admin_client, done)
    )
    assert LogEntry.objects.filter(action_flag=CHANGE).count() == 2
    done = post_action(
        admin_client, TargetUserRecord, "activate", [records["ham_mail"]]
    )
    activated = TargetUserRecord.objects.get(pk=records["ham_mail"].pk)
    assert activated.active
    assert activated.modified > records["ham_mail"].modified  # not left as it was
    assert "Activate: 1 record changed." in messages_of(admin_client, done)
    assert LogEntry.objects.filter(
        object_id=str(records["ham_mail"].pk), change_message="Activate (admin action)."
    ).exists()


def test_reset_email_target_for_the_records_users(
    admin_client, make_user, make_record, make_notification, post_action
):
    eggs = make_user(username="eggs", email="old@example.com")
    old = make_record(eggs)
    waiting = make_notification(old)
    eggs.email = "new@example.com"
    eggs.save()
    nomail = make_user(username="nomail", email="")
    sms = make_record(nomail, "twilio")
    done = post_action(admin_client, TargetUserRecord, "reset_email_target", [old, sms])
    current = TargetUserRecord.objects.get(user=eggs, active=True)
    assert current.target_user_id == "new@example.com"
    assert Notification.objects.get(pk=waiting.pk).user_target_id == current.pk
    shown_messages = messages_of(admin_client, done)
    assert "Email target reset for 1 user." in shown_messages
    assert "Skipped 1 user: nomail (no email address)." in shown_messages
    assert LogEntry.objects.filter(object_id=str(current.pk)).exists()


@pytest.mark.parametrize(
    "perms, action",
    [
        (["view_targetuserrecord"], "activate"),
        (["view_targetuserrecord"], "deactivate"),
        (["view_targetuserrecord", "change_targetuserrecord"], "reset_email_target"),
    ],
)
def test_record_actions_need_permissions(
    client, records, make_staff, post_action, perms, action
):
    client.force_login(make_staff(*[f"notify_admin.{p}" for p in perms]))
    page = client.get(url(TargetUserRecord))
    assert f'value="{action}"' not in page.content.decode()
    response = post_action(client, TargetUserRecord, action, [records["eggs_mail"]])
    assert response.status_code == 403
    assert not LogEntry.objects.exists()


def test_record_add_form_validates_the_address(admin_client, make_user, targets):
    user = make_user()
    response = admin_client.post(
        url(TargetUserRecord, "add"),
        {
            "user": user.pk,
            "target": targets["twilio"].pk,
            "target_user_id": "not a phone",
            "description": "",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "not a phone number: it has letters in it" in response.content.decode()
    assert not TargetUserRecord.objects.exists()


# --- NotificationOptOut ----------------------------------------------------------


def test_adding_an_opt_out_in_admin_applies_the_seed_rule(
    admin_client, make_user, make_record, make_notification
):
    user = make_user()
    record = make_record(user)
    scheduled = make_notification(record)
    retry = make_notification(record, "RETRY")
    delivered = make_notification(record, "DELIVERED")
    response = admin_client.post(
        url(NotificationOptOut, "add"), {"user": user.pk, "active": "on"}
    )
    assert response.status_code == 302
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses[scheduled.pk] == "OPTED_OUT"
    assert statuses[retry.pk] == "OPTED_OUT"
    assert statuses[delivered.pk] == "DELIVERED"
    assert LogEntry.objects.filter(action_flag=ADDITION).count() == 1


def test_opt_out_and_opt_back_in_actions(
    admin_client, make_user, make_record, make_notification, post_action
):
    user = make_user()
    open_one = make_notification(make_record(user))
    opt_out = NotificationOptOut.objects.create(user=make_user(), active=False)
    mine = NotificationOptOut.objects.create(user=user, active=False)
    assert Notification.objects.get(pk=open_one.pk).status == "SCHEDULED"

    done = post_action(admin_client, NotificationOptOut, "opt_out", [opt_out, mine])
    assert NotificationOptOut.objects.filter(active=True).count() == 2
    assert Notification.objects.get(pk=open_one.pk).status == "OPTED_OUT"
    assert (
        "Opted out 2 users (0 new opt-outs); 1 open notification marked OPTED_OUT."
        in messages_of(admin_client, done)
    )
    done = post_action(admin_client, NotificationOptOut, "opt_back_in", [mine])
    assert not NotificationOptOut.objects.get(pk=mine.pk).active
    # Opting back in does not resurrect cancelled notifications.
    assert Notification.objects.get(pk=open_one.pk).status == "OPTED_OUT"
    assert "1 user opted back in." in messages_of(admin_client, done)
    assert LogEntry.objects.filter(object_id=str(mine.pk)).count() == 2


def test_opt_out_actions_need_change_permission(
    client, make_user, make_staff, post_action
):
    opt_out = NotificationOptOut.objects.create(user=make_user(), active=False)
    client.force_login(make_staff("notify_admin.view_notificationoptout"))
    response = post_action(client, NotificationOptOut, "opt_out", [opt_out])
    assert response.status_code == 403
    assert not NotificationOptOut.objects.get(pk=opt_out.pk).active


# --- NotificationTarget ----------------------------------------------------------


def test_target_list_counts_records_and_open_notifications(
    admin_client, make_user, make_record, make_notification
):
    user = make_user()
    email = make_record(user)
    make_record(make_user(), active=False)
    make_notification(email)
    make_notification(email, "RETRY")
    make_notification(email, "DELIVERED")
    response = admin_client.get(url(NotificationTarget))
    rows = {t.name: t for t in response.context["cl"].result_list}
    assert (
        rows["Email"].records_count,
        rows["Email"].active_records_count,
        rows["Email"].open_notifications_count,
    ) == (2, 1, 2)
    assert rows["Twilio"].records_count == 0
    assert rows["Twilio"].open_notifications_count == 0
    by_open = admin_client.get(url(NotificationTarget), {"o": "-5"})
    assert by_open.context["cl"].result_list[0].name == "Email"


def test_target_form_checks_the_module_name_against_the_registry(admin_client):
    bad = admin_client.post(
        url(NotificationTarget, "add"),
        {"name": "Pager", "notification_module_name": "pagr"},
    )
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "“pagr” is not an available channel" in body
    assert "email, expo, twilio" in body
    assert not NotificationTarget.objects.filter(name="Pager").exists()
    good = admin_client.post(
        url(NotificationTarget, "add"),
        {"name": "Second email", "notification_module_name": "email"},
    )
    assert good.status_code == 302
    assert NotificationTarget.objects.filter(name="Second email").exists()
