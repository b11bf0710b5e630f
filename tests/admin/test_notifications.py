"""The Notification admin: columns, filters, search, actions, permissions."""

import datetime
import uuid

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notify_admin.models import DeliveryAttempt, Notification, NotificationOptOut

CHANGELIST = "admin:notify_admin_notification_changelist"
pytestmark = pytest.mark.django_db


def changelist(client, **params):
    return client.get(reverse(CHANGELIST), params)


def shown(response):
    return {obj.pk for obj in response.context["cl"].result_list}


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def logged(obj, user):
    return LogEntry.objects.filter(
        user=user, object_id=str(obj.pk), action_flag=CHANGE
    ).values_list("change_message", flat=True)


@pytest.fixture
def listed(make_user, make_record, make_notification):
    """One user per interesting state."""
    eggs = make_user(username="eggs", email="eggs@example.com")
    ham = make_user(username="ham", email="ham@example.net")
    email = make_record(eggs)
    sms = make_record(ham, "twilio")
    now = timezone.now()
    return {
        "scheduled": make_notification(email, title="Weekly digest"),
        "failed": make_notification(sms, "DELIVERY_FAILURE", title="Code 1234"),
        "inactive": make_notification(sms, "INACTIVE_DEVICE", title="Code 99"),
        "delivered": make_notification(
            email,
            "DELIVERED",
            title="Welcome",
            scheduled_delivery=now - datetime.timedelta(days=10),
            attempted_delivery=now - datetime.timedelta(days=10),
        ),
        "retry": make_notification(sms, "RETRY", title="Reminder"),
        "email": email,
        "sms": sms,
        "eggs": eggs,
        "ham": ham,
    }


def test_changelist_shows_user_target_badge_and_retries(admin_client, listed):
    response = changelist(admin_client)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<span class="na-status na-status--DELIVERY_FAILURE">' in body
    assert "Delivery failure" in body
    assert ">eggs<" in body and ">Twilio<" in body
    assert "0/3" in body
    assert body.count("notify_admin/css/admin.css") == 1
    # No full-table COUNT link under a filtered list on large tables.
    assert response.context["cl"].show_full_result_count is False


@pytest.mark.parametrize(
    "term, expected",
    [
        ("eggs", {"scheduled", "delivered"}),  # username
        ("example.net", {"failed", "inactive", "retry"}),  # email
        ("+14155552671", {"failed", "inactive", "retry"}),  # address
        ("digest", {"scheduled"}),  # title
    ],
)
def test_search_by_username_email_address_title(admin_client, listed, term, expected):
    assert shown(changelist(admin_client, q=term)) == {listed[k].pk for k in expected}


def test_filter_by_status_and_target(admin_client, listed, targets):
    assert shown(changelist(admin_client, status__exact="RETRY")) == {
        listed["retry"].pk
    }
    twilio = targets["twilio"].pk
    assert shown(changelist(admin_client, user_target__target__id__exact=twilio)) == {
        listed[k].pk for k in ("failed", "inactive", "retry")
    }


def test_filter_by_scheduled_and_attempted_date_ranges(admin_client, listed):
    today = timezone.localdate()
    old = today - datetime.timedelta(days=10)
    response = changelist(
        admin_client,
        scheduled_delivery__range__gte=str(old),
        scheduled_delivery__range__lte=str(old),
    )
    assert shown(response) == {listed["delivered"].pk}
    response = changelist(
        admin_client,
        # Date and time (the dashboard links to "the last 24 hours").
        attempted_delivery__range__gte_0=str(today - datetime.timedelta(days=1)),
        attempted_delivery__range__gte_1="00:00:00",
    )
    assert shown(response) == {listed[k].pk for k in ("failed", "inactive", "retry")}
    body = response.content.decode()
    assert "scheduled delivery (range)" in body
    assert "attempted delivery (range)" in body


def test_change_page_shows_attempts_read_only(admin_client, listed):
    failed = listed["failed"]
    DeliveryAttempt.objects.create(
        notification=failed,
        outcome="DELIVERY_FAILURE",
        address="+14155552671",
        provider_id="SM123",
        error_code="21211",
        error_message="Invalid 'To' Phone Number",
    )
    url = reverse("admin:notify_admin_notification_change", args=[failed.pk])
    response = admin_client.get(url)
    body = response.content.decode()
    assert "SM123" in body and "21211" in body
    assert "Invalid &#x27;To&#x27; Phone Number" in body
    inline = response.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission and not inline.has_change_permission
    assert 'name="attempts-0-provider_id"' not in body


# --- Retry -------------------------------------------------------------------


@pytest.fixture
def changer(client, make_staff):
    """Staff who may change notifications but not send them."""
    user = make_staff(
        "notify_admin.view_notification", "notify_admin.change_notification"
    )
    client.force_login(user)
    client.user = user
    return client


def test_retry_resets_failed_rows_and_logs_each(changer, listed, post_action):
    selected = [listed[k] for k in ("failed", "inactive", "delivered", "scheduled")]
    page = post_action(changer, Notification, "retry", selected)
    assert page.status_code == 200  # a retry may send: always confirmed
    assert Notification.objects.get(pk=listed["failed"].pk).status == "DELIVERY_FAILURE"
    response = post_action(changer, Notification, "retry", selected, confirm="yes")
    assert response.status_code == 302
    for key in ("failed", "inactive"):
        n = Notification.objects.get(pk=listed[key].pk)
        assert n.status == "SCHEDULED"
        assert n.attempted_delivery is None
        assert n.retry_attempts == 0
        assert n.scheduled_delivery <= timezone.now()
        assert n.modified > listed[key].modified
        assert list(logged(n, changer.user)) == [
            "Retry (admin action): back to SCHEDULED, retry counter reset."
        ]
    assert Notification.objects.get(pk=listed["delivered"].pk).status == "DELIVERED"
    assert not logged(listed["delivered"], changer.user).exists()
    page = changer.get(response["Location"])
    assert (
        "2 notifications scheduled for retry now; 2 skipped. Already delivered: "
        "“Welcome” for eggs (Email, eggs@example.com). Only failed rows are "
        "retried; this one is Scheduled: “Weekly digest” for eggs (Email, "
        "eggs@example.com)." in messages_of(page)
    )


def test_retry_by_a_sender_sends_now_and_shows_each_row(
    admin_client, listed, post_action, fake_twilio
):
    fake_twilio.errors[listed["sms"].target_user_id] = 21211
    response = post_action(
        admin_client, Notification, "retry", [listed["failed"]], confirm="yes"
    )
    assert response.status_code == 302
    assert "/deliveryrun/" in response["Location"]
    page = admin_client.get(response["Location"])
    body = page.content.decode()
    assert "ham" in body and listed["sms"].target_user_id in body
    assert "21211" in body
    failed = Notification.objects.get(pk=listed["failed"].pk)
    assert failed.status == "INACTIVE_DEVICE"
    admin = admin_client.session["_auth_user_id"]
    assert any(
        "Retry (admin action, run" in message and "INACTIVE_DEVICE (21211" in message
        for message in logged(failed, admin)
    )


def test_retry_skips_inactive_addresses_opted_out_users_and_leased_rows(
    admin_client, listed, post_action, make_user, make_record, make_notification
):
    listed["sms"].active = False
    listed["sms"].save()
    leased_user = make_user()
    leased = make_notification(
        make_record(leased_user),
        "DELIVERY_FAILURE",
        claim_token=uuid.uuid4(),
        claimed_until=timezone.now() + datetime.timedelta(minutes=5),
    )
    out = make_user()
    gone = make_notification(make_record(out), "DELIVERY_FAILURE")
    NotificationOptOut.objects.create(user=out, active=True)
    post_action(
        admin_client,
        Notification,
        "retry",
        [listed["failed"], leased, gone],
        confirm="yes",
    )
    statuses = Notification.objects.filter(
        pk__in=[listed["failed"].pk, leased.pk, gone.pk]
    ).values_list("status", flat=True)
    assert set(statuses) == {"DELIVERY_FAILURE"}


def test_retry_of_many_rows_asks_first(
    admin_client, post_action, make_user, make_record, make_notification
):
    record = make_record(make_user())
    many = [make_notification(record, "DELIVERY_FAILURE") for _ in range(11)]
    page = post_action(admin_client, Notification, "retry", many)
    assert page.status_code == 200
    assert page.templates[0].name == "admin/notify_admin/action_confirmation.html"
    body = page.content.decode()
    assert "11 notifications selected" in body
    assert 'name="confirm" value="yes"' in body
    assert Notification.objects.filter(status="DELIVERY_FAILURE").count() == 11
    done = post_action(admin_client, Notification, "retry", many, confirm="yes")
    assert done.status_code == 302
    # A superuser may send: retried rows are sent at once (locmem email).
    assert Notification.objects.filter(status="DELIVERED").count() == 11


def test_select_across_uses_the_filtered_list(
    admin_client, listed, post_action, make_user, make_record, make_notification
):
    record = make_record(make_user())
    for _ in range(12):
        make_notification(record, "DELIVERY_FAILURE")
    query = f"?user_target__target__id__exact={listed['email'].target_id}"
    # The browser sends the ticked rows of the page along with select_across.
    ticked = [listed["scheduled"]]
    page = post_action(
        admin_client, Notification, "retry", ticked, select_across=True, query=query
    )
    assert "14 notifications selected" in page.content.decode()  # 12 + 2 email rows
    post_action(
        admin_client,
        Notification,
        "retry",
        ticked,
        select_across=True,
        query=query,
        confirm="yes",
    )
    # 12 retried and sent at once, and the row delivered before.
    assert Notification.objects.filter(status="DELIVERED").count() == 13
    # The SMS target was outside the filter: untouched.
    assert Notification.objects.get(pk=listed["failed"].pk).status == "DELIVERY_FAILURE"


# --- Reschedule and cancel ---------------------------------------------------


def test_reschedule_asks_for_a_time_then_moves_open_rows(
    admin_client, listed, post_action
):
    admin = admin_client.session["_auth_user_id"]
    selected = [listed["scheduled"], listed["retry"], listed["failed"]]
    form = post_action(admin_client, Notification, "reschedule", selected)
    assert form.status_code == 200
    assert 'name="scheduled_delivery_0"' in form.content.decode()
    bad = post_action(
        admin_client,
        Notification,
        "reschedule",
        selected,
        confirm="yes",
        scheduled_delivery_0="not a date",
        scheduled_delivery_1="10:00",
    )
    assert bad.status_code == 200
    assert "Enter a valid date." in bad.content.decode()
    assert Notification.objects.get(pk=listed["scheduled"].pk).scheduled_delivery == (
        listed["scheduled"].scheduled_delivery
    )
    done = post_action(
        admin_client,
        Notification,
        "reschedule",
        selected,
        confirm="yes",
        scheduled_delivery_0="2031-05-04",
        scheduled_delivery_1="09:30:00",
    )
    assert done.status_code == 302
    when = datetime.datetime(2031, 5, 4, 9, 30, tzinfo=datetime.UTC)
    scheduled = Notification.objects.get(pk=listed["scheduled"].pk)
    retry = Notification.objects.get(pk=listed["retry"].pk)
    assert scheduled.scheduled_delivery == when
    assert (retry.status, retry.scheduled_delivery) == ("RETRY", when)
    assert Notification.objects.get(pk=listed["failed"].pk).scheduled_delivery != when
    assert "2031-05-04T09:30:00+00:00" in logged(scheduled, admin).get()
    assert (
        "2 notifications rescheduled; 1 skipped. Only scheduled and retry rows can "
        "be changed; this one is Delivery failure: “Code 1234” for ham (Twilio, "
        "+14155552671)." in messages_of(admin_client.get(done["Location"]))
    )


def test_cancel_marks_open_rows_opted_out(admin_client, listed, post_action):
    admin = admin_client.session["_auth_user_id"]
    selected = [listed["scheduled"], listed["retry"], listed["delivered"]]
    post_action(admin_client, Notification, "cancel", selected)
    assert Notification.objects.get(pk=listed["scheduled"].pk).status == "OPTED_OUT"
    assert Notification.objects.get(pk=listed["retry"].pk).status == "OPTED_OUT"
    assert Notification.objects.get(pk=listed["delivered"].pk).status == "DELIVERED"
    assert logged(listed["retry"], admin).exists()
    # The user is not opted out: only these notifications are cancelled.
    assert not NotificationOptOut.objects.exists()


def test_cancel_leaves_a_trace_and_can_be_undone(admin_client, listed, post_action):
    admin = admin_client.session["_auth_user_id"]
    selected = [listed["scheduled"], listed["retry"]]
    post_action(admin_client, Notification, "cancel", selected)
    for row in selected:
        n = Notification.objects.get(pk=row.pk)
        assert n.status == "OPTED_OUT"
        assert str(n.cancelled_by_id) == admin and n.cancelled_at is not None
    # The filter tells a staff cancellation from a user's opt-out.
    out = listed["delivered"]  # not cancelled: opted out by its user below
    Notification.objects.filter(pk=out.pk).update(status="OPTED_OUT")
    cancelled = shown(changelist(admin_client, opted_out="cancelled"))
    assert cancelled == {listed["scheduled"].pk, listed["retry"].pk}
    assert shown(changelist(admin_client, opted_out="user")) == {out.pk}

    done = post_action(
        admin_client, Notification, "undo_cancel", [*selected, out], confirm="yes"
    )
    assert done.status_code == 302
    # Back to what they were: SCHEDULED (never tried) and RETRY (tried).
    scheduled = Notification.objects.get(pk=listed["scheduled"].pk)
    retry = Notification.objects.get(pk=listed["retry"].pk)
    assert (scheduled.status, scheduled.cancelled_at) == ("SCHEDULED", None)
    assert (retry.status, retry.cancelled_by) == ("RETRY", None)
    assert Notification.objects.get(pk=out.pk).status == "OPTED_OUT"
    assert (
        "2 cancelled notifications restored; 1 skipped. It was not cancelled by "
        "staff: “Welcome” for eggs (Email, eggs@example.com)."
        in messages_of(admin_client.get(done["Location"]))
    )
    assert list(logged(retry, admin))[0] == "Undo cancel (admin action)."


def test_undo_cancel_leaves_users_who_opted_out_alone(
    admin_client, listed, post_action
):
    post_action(admin_client, Notification, "cancel", [listed["scheduled"]])
    NotificationOptOut.objects.create(user=listed["eggs"], active=True)
    post_action(admin_client, Notification, "undo_cancel", [listed["scheduled"]])
    assert Notification.objects.get(pk=listed["scheduled"].pk).status == "OPTED_OUT"


# --- Permissions and CSRF ----------------------------------------------------


def action_names(response):
    return {
        name
        for name, _label in response.context["action_form"].fields["action"].choices
    }


def test_actions_follow_permissions(client, listed, make_staff, make_user):
    viewer = make_staff("notify_admin.view_notification")
    changer = make_staff("notify_admin.change_notification")
    sender = make_staff(
        "notify_admin.change_notification", "notify_admin.send_notification"
    )
    client.force_login(viewer)
    response = changelist(client)
    assert response.status_code == 200
    assert response.context["action_form"] is None or action_names(response) == {""}
    client.force_login(changer)
    assert action_names(changelist(client)) == {
        "",
        "retry",
        "reschedule",
        "cancel",
        "undo_cancel",
    }
    client.force_login(sender)
    assert action_names(changelist(client)) >= {"send_now", "retry"}


@pytest.mark.parametrize(
    "perms, action",
    [
        (["view_notification"], "retry"),
        (["view_notification"], "cancel"),
        (["view_notification"], "reschedule"),
        (["change_notification"], "send_now"),
    ],
)
def test_posting_a_forbidden_action_is_403(
    client, listed, make_staff, post_action, perms, action
):
    client.force_login(make_staff(*[f"notify_admin.{p}" for p in perms]))
    response = post_action(client, Notification, action, [listed["failed"]])
    assert response.status_code == 403
    assert Notification.objects.get(pk=listed["failed"].pk).status == "DELIVERY_FAILURE"
    assert not LogEntry.objects.exists()


def test_actions_need_the_csrf_token(listed, admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "cancel", "index": "0", "_selected_action": [listed["retry"].pk]},
    )
    assert response.status_code == 403
    assert Notification.objects.get(pk=listed["retry"].pk).status == "RETRY"


def test_get_never_runs_an_action(admin_client, listed):
    response = admin_client.get(
        reverse(CHANGELIST),
        {"action": "cancel", "index": "0", "_selected_action": listed["retry"].pk},
    )
    assert response.status_code in (200, 302)  # unknown filter params: ?e=1
    assert Notification.objects.get(pk=listed["retry"].pk).status == "RETRY"


def test_get_actions_of_any_signature_are_called_correctly():
    """Parents written before Django 6.1's action_location (e.g. import-export's
    ExportActionMixin) and after it both work under the console's guard."""
    from notify_admin.admin.guards import declared_actions

    class Location:
        def __init__(self, name):
            self.name = name

    def old(request):
        return {"legacy": request}

    def new(request, action_location=None):
        return {"new": action_location.name}

    assert declared_actions(old, "r") == {"legacy": "r"}
    assert declared_actions(old, "r", Location("CHANGE_LIST")) == {"legacy": "r"}
    assert declared_actions(old, "r", Location("CHANGE_FORM")) == {}
    assert declared_actions(new, "r", Location("CHANGE_FORM")) == {"new": "CHANGE_FORM"}
