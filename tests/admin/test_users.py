"""notify_admin's actions on Django's own UserAdmin (and on a host's own one)."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.test import RequestFactory
from django.urls import reverse

from notify_admin.admin.guards import action_name
from notify_admin.admin.users import extend_user_admin
from notify_admin.models import Notification, NotificationOptOut, TargetUserRecord

pytestmark = pytest.mark.django_db
User = get_user_model()
NOTIFY_ACTIONS = {"notify_opt_out", "notify_reset_email_target", "notify_compose"}


def messages_of(client, response):
    return [str(m) for m in client.get(response["Location"]).context["messages"]]


def action_names(response):
    form = response.context["action_form"]
    return {name for name, _ in form.fields["action"].choices} if form else set()


def test_the_registered_user_admin_keeps_its_class_and_gains_the_actions(
    admin_client,
):
    model_admin = admin.site.get_model_admin(User)
    assert type(model_admin) is UserAdmin
    response = admin_client.get(reverse("admin:auth_user_changelist"))
    assert action_names(response) >= NOTIFY_ACTIONS | {"delete_selected"}


def test_a_host_projects_own_user_admin_is_extended_not_replaced():
    def shout(modeladmin, request, queryset):
        pass

    class HostUserAdmin(UserAdmin):
        actions = [shout]

    site = admin.AdminSite(name="host")
    site.register(User, HostUserAdmin)
    model_admin = extend_user_admin(site)
    assert extend_user_admin(site) is model_admin  # a second call changes nothing
    assert type(model_admin) is HostUserAdmin
    assert HostUserAdmin.actions == [shout]
    names = [action_name(model_admin.get_action(a)) for a in model_admin.actions]
    assert names == ["shout", *sorted(NOTIFY_ACTIONS, key=names.index)]
    assert len(names) == 4
    empty = admin.AdminSite(name="empty")
    assert extend_user_admin(empty) is None


def test_actions_follow_permissions_on_the_user_changelist(client, make_staff):
    viewer = make_staff("auth.view_user")
    client.force_login(viewer)
    assert (
        action_names(client.get(reverse("admin:auth_user_changelist")))
        & (NOTIFY_ACTIONS)
        == set()
    )
    opt_outer = make_staff(
        "auth.view_user",
        "notify_admin.add_notificationoptout",
        "notify_admin.change_notificationoptout",
    )
    client.force_login(opt_outer)
    names = action_names(client.get(reverse("admin:auth_user_changelist")))
    assert names & NOTIFY_ACTIONS == {"notify_opt_out"}
    sender = make_staff("auth.view_user", "notify_admin.send_notification")
    client.force_login(sender)
    names = action_names(client.get(reverse("admin:auth_user_changelist")))
    assert names & NOTIFY_ACTIONS == {"notify_compose"}


@pytest.mark.parametrize("action", sorted(NOTIFY_ACTIONS))
def test_posting_a_forbidden_user_action_is_403(
    client, make_staff, make_user, post_action, action
):
    target = make_user()
    client.force_login(make_staff("auth.view_user", "auth.change_user"))
    response = post_action(client, User, action, [target], confirm="yes", title="x")
    assert response.status_code == 403
    assert not NotificationOptOut.objects.exists()
    assert not Notification.objects.exists()
    assert not TargetUserRecord.objects.exists()


def test_opt_out_users(
    admin_client, make_user, make_record, make_notification, post_action
):
    eggs, ham = make_user(), make_user()
    waiting = make_notification(make_record(eggs))
    NotificationOptOut.objects.create(user=ham, active=False)
    done = post_action(admin_client, User, "notify_opt_out", [eggs, ham])
    assert set(
        NotificationOptOut.objects.filter(active=True).values_list("user", flat=True)
    ) == {eggs.pk, ham.pk}
    assert Notification.objects.get(pk=waiting.pk).status == "OPTED_OUT"
    assert (
        "Opted out 2 users (1 new opt-out); 1 open notification marked OPTED_OUT."
        in messages_of(admin_client, done)
    )
    assert LogEntry.objects.filter(action_flag=ADDITION).count() == 1
    assert LogEntry.objects.count() == 2


def test_reset_email_target_of_users(admin_client, make_user, post_action):
    eggs = make_user(email="eggs@example.com")
    nomail = make_user(email="")
    done = post_action(admin_client, User, "notify_reset_email_target", [eggs, nomail])
    record = TargetUserRecord.objects.get()
    assert (record.user, record.target_user_id) == (eggs, "eggs@example.com")
    assert "Email target reset for 1 user." in messages_of(admin_client, done)


def test_many_users_are_confirmed_before_opting_out(
    admin_client, make_user, post_action
):
    users = [make_user() for _ in range(11)]
    page = post_action(admin_client, User, "notify_opt_out", users)
    assert page.status_code == 200
    assert "11 users selected" in page.content.decode()
    assert not NotificationOptOut.objects.exists()
    post_action(admin_client, User, "notify_opt_out", users, confirm="yes")
    assert NotificationOptOut.objects.count() == 11


# --- Compose -------------------------------------------------------------------


@pytest.fixture
def audience(make_user, make_record):
    eggs = make_user(username="eggs")
    make_record(eggs)
    make_record(eggs, "twilio")
    ham = make_user(username="ham")
    make_record(ham)
    out = make_user(username="out")
    make_record(out)
    NotificationOptOut.objects.create(user=out)
    nobody = make_user(username="nobody")
    return {"eggs": eggs, "ham": ham, "out": out, "nobody": nobody}


def compose(client, post_action, users, **data):
    return post_action(client, User, "notify_compose", users, **data)


def test_compose_shows_a_form_then_creates_through_the_creators(
    admin_client, audience, post_action
):
    users = list(audience.values())
    form = compose(admin_client, post_action, users)
    assert form.status_code == 200
    body = form.content.decode()
    assert "4 users selected" in body
    assert 'name="title"' in body and 'name="extra"' in body
    assert not Notification.objects.exists()
    done = compose(
        admin_client,
        post_action,
        users,
        confirm="yes",
        title="Maintenance",
        body="Down at 22:00",
        extra='{"sound": "default"}',
        scheduled_delivery_0="2031-01-02",
        scheduled_delivery_1="08:00:00",
    )
    assert done.status_code == 302
    created = Notification.objects.select_related("user_target__user")
    assert sorted(
        (n.user_target.user.username, n.user_target.target.name) for n in created
    ) == [("eggs", "Email"), ("eggs", "Twilio"), ("ham", "Email")]
    assert {n.extra["sound"] for n in created} == {"default"}
    assert {n.scheduled_delivery for n in created} == {
        datetime.datetime(2031, 1, 2, 8, 0, tzinfo=datetime.UTC)
    }
    shown = messages_of(admin_client, done)
    assert any(m.startswith("3 notifications scheduled for 2 users. <a") for m in shown)
    assert "Skipped 1 user (opted out): out." in shown
    assert "Skipped 1 user (no active address): nobody." in shown
    assert LogEntry.objects.filter(action_flag=ADDITION).count() == 3


def test_compose_on_one_target_twice_adds_nothing(
    admin_client, audience, post_action, targets
):
    for _ in range(2):  # a double submit
        compose(
            admin_client,
            post_action,
            [audience["eggs"], audience["ham"]],
            confirm="yes",
            target=targets["twilio"].pk,
            title="SMS only",
            body="Hi",
            extra="",
        )
    created = Notification.objects.select_related("user_target__target")
    assert [(n.user_target.user_id, n.user_target.target.name) for n in created] == [
        (audience["eggs"].pk, "Twilio")
    ]


@pytest.mark.parametrize(
    "extra, error",
    [
        ("[1, 2]", "Extra must be a JSON object ({...}), not an array."),
        ('"text"', "Extra must be a JSON object ({...}), not a string."),
        ("{not json", "Enter a valid JSON."),
    ],
)
def test_compose_rejects_extra_that_is_not_a_json_object(
    admin_client, audience, post_action, extra, error
):
    page = compose(
        admin_client,
        post_action,
        [audience["eggs"]],
        confirm="yes",
        title="T",
        body="B",
        extra=extra,
    )
    assert page.status_code == 200
    assert error in page.content.decode()
    assert not Notification.objects.exists()


def test_compose_requires_title_and_body(admin_client, audience, post_action):
    page = compose(admin_client, post_action, [audience["eggs"]], confirm="yes")
    assert page.content.decode().count("This field is required.") == 2
    assert not Notification.objects.exists()


def test_permission_methods_are_added_to_the_instance_only(make_staff):
    request = RequestFactory().get("/")
    request.user = make_staff()
    model_admin = admin.site.get_model_admin(User)
    assert model_admin.has_notify_send_permission(request) is False
    assert not hasattr(UserAdmin, "has_notify_send_permission")
