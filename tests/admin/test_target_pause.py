"""Pausing and resuming a target from the console: the actions (a reason
asked on the confirmation page), the change page's buttons, the admin log,
permissions, the banner on every admin page, the dashboard, and a paused
target's notifications left alone by a run until it is resumed."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notify_admin.delivery import deliver_due
from notify_admin.delivery.pauses import pause_target
from notify_admin.models import Notification, NotificationTarget, TargetPause
from tests.support.html import parse

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notify_admin_notificationtarget_changelist")


def change_url(target):
    return reverse("admin:notify_admin_notificationtarget_change", args=[target.pk])


def shown(client, response):
    return [str(m) for m in client.get(response.url).context["messages"]]


def pause_post(post_action, client, targets, **data):
    return post_action(client, NotificationTarget, "pause_sending", targets, **data)


def test_pausing_asks_why_then_pauses_and_logs(
    admin_client, admin_user, targets, post_action
):
    email = targets["email"]
    asked = pause_post(post_action, admin_client, [email])
    assert asked.status_code == 200
    assert 'name="reason"' in asked.content.decode()
    assert not TargetPause.objects.exists()
    # Confirmed without a reason: asked again, nothing paused.
    again = pause_post(post_action, admin_client, [email], confirm="yes", reason="  ")
    assert again.status_code == 200
    assert again.context["form"].errors["reason"]
    assert not TargetPause.objects.exists()
    done = pause_post(
        post_action, admin_client, [email], confirm="yes", reason="wrong text going out"
    )
    assert done.status_code == 302
    pause = TargetPause.objects.get()
    assert (pause.target, pause.source, pause.paused_by, pause.reason) == (
        email,
        TargetPause.STAFF,
        admin_user,
        "wrong text going out",
    )
    entry = LogEntry.objects.get()
    assert (entry.object_id, entry.action_flag, entry.user) == (
        str(email.pk),
        CHANGE,
        admin_user,
    )
    assert "Paused sending (admin action): wrong text going out" in entry.change_message
    assert any(
        "Sending paused on 1 target: Email." in m for m in shown(admin_client, done)
    )


def test_pausing_a_paused_target_keeps_its_reason(admin_client, targets, post_action):
    sms = targets["twilio"]
    pause_target(sms, reason="20003: authenticate", source=TargetPause.CREDENTIALS)
    done = pause_post(post_action, admin_client, [sms], confirm="yes", reason="mine")
    assert TargetPause.objects.get().reason == "20003: authenticate"
    assert not LogEntry.objects.exists()
    assert any("paused already" in m for m in shown(admin_client, done))


def test_resuming_logs_what_the_pause_was(
    admin_client, make_staff, targets, post_action
):
    email = targets["email"]
    pause_target(email, reason="checking", by=make_staff(username="alice"))
    asked = post_action(admin_client, NotificationTarget, "resume_sending", [email])
    assert asked.status_code == 200  # always confirmed
    assert "Paused by alice" in asked.content.decode()
    done = post_action(
        admin_client, NotificationTarget, "resume_sending", [email], confirm="yes"
    )
    assert done.status_code == 302
    assert not TargetPause.objects.exists()
    message = LogEntry.objects.get().change_message
    assert message.startswith("Resumed sending (admin action); it was: Paused by alice")
    assert message.endswith("checking")
    # Resuming a target that runs: a warning, no log entry.
    done = post_action(
        admin_client, NotificationTarget, "resume_sending", [email], confirm="yes"
    )
    assert any("was not paused" in m for m in shown(admin_client, done))
    assert LogEntry.objects.count() == 1


def test_only_those_who_may_change_targets_pause_them(
    client, make_staff, targets, post_action
):
    viewer = make_staff("notify_admin.view_notificationtarget")
    client.force_login(viewer)
    assert "pause_sending" not in client.get(CHANGELIST).content.decode()
    forged = pause_post(
        post_action, client, [targets["email"]], confirm="yes", reason="x"
    )
    assert forged.status_code == 403
    assert (
        'id="na-button-pause_sending"'
        not in client.get(change_url(targets["email"])).content.decode()
    )
    assert not TargetPause.objects.exists()
    changer = make_staff(
        "notify_admin.view_notificationtarget", "notify_admin.change_notificationtarget"
    )
    client.force_login(changer)
    done = pause_post(
        post_action, client, [targets["email"]], confirm="yes", reason="x"
    )
    assert done.status_code == 302
    assert TargetPause.objects.get().paused_by == changer


def test_the_change_page_has_the_button_that_fits(admin_client, targets):
    email = targets["email"]
    page = admin_client.get(change_url(email)).content.decode()
    assert 'id="na-button-pause_sending"' in page
    assert 'id="na-button-resume_sending"' not in page
    assert "Sending" in page
    pause_target(email, reason="held")
    page = admin_client.get(change_url(email)).content.decode()
    assert 'id="na-button-resume_sending"' in page
    assert 'id="na-button-pause_sending"' not in page
    assert "na-status--PAUSED" in page
    # The button posts the changelist action for this one target.
    forms = [
        attrs
        for tag, attrs in parse(page).tags
        if tag == "form" and "na-object-action" in attrs.get("class", "")
    ]
    assert [f["action"] for f in forms] == [CHANGELIST]


def test_the_list_shows_and_filters_paused_targets(admin_client, targets):
    pause_target(targets["twilio"], reason="20003", source=TargetPause.CREDENTIALS)
    listed = admin_client.get(CHANGELIST, {"paused": "yes"})
    assert [t.name for t in listed.context["cl"].result_list] == [
        targets["twilio"].name
    ]
    html = listed.content.decode()
    assert "The provider refused the credentials" in html
    running = admin_client.get(CHANGELIST, {"paused": "no"})
    assert targets["twilio"] not in list(running.context["cl"].result_list)


def banner(html):
    found = [
        text
        for tags, text in parse(html).text
        if "li" in tags and "Sending is paused" in text
    ]
    return found


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        reverse("admin:app_list", args=["notify_admin"]),
        reverse("admin:notify_admin_notification_changelist"),
        CHANGELIST,
        reverse("admin:notify_admin_notification_add"),
        reverse("admin:auth_user_changelist"),
    ],
)
def test_the_banner_names_every_paused_target_on_every_page(admin_client, targets, url):
    assert 'id="na-pause-banner"' not in admin_client.get(url).content.decode()
    pause_target(targets["email"], reason="<b>wrong</b> text")
    pause_target(targets["twilio"], reason="20003", source=TargetPause.CREDENTIALS)
    html = admin_client.get(url).content.decode()
    assert 'id="na-pause-banner"' in html
    assert "Sending is paused on 2 targets" in html
    links = [
        attrs["href"]
        for tag, attrs in parse(html).tags
        if tag == "a" and attrs.get("class") == "na-paused-target"
    ]
    assert links == [change_url(targets["email"]), change_url(targets["twilio"])]
    # The reason is text, never markup.
    assert "<b>wrong</b>" not in html
    assert "&lt;b&gt;wrong&lt;/b&gt; text" in html


def test_the_banner_costs_one_query_whatever_the_pauses(admin_client, targets):
    url = reverse("admin:notify_admin_notification_changelist")
    admin_client.get(url)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            admin_client.get(url)
        return len(captured)

    pause_target(targets["email"], reason="one")
    one = queries()
    pause_target(targets["twilio"], reason="two")
    pause_target(targets["expo"], reason="three")
    assert queries() == one


def test_the_banner_is_for_staff_who_may_see_notifications_or_targets(
    client, make_staff, targets
):
    pause_target(targets["email"], reason="held")
    nobody = make_staff()
    client.force_login(nobody)
    assert (
        'id="na-pause-banner"'
        not in client.get(reverse("admin:index")).content.decode()
    )
    reader = make_staff("notify_admin.view_notification")
    client.force_login(reader)
    html = client.get(reverse("admin:index")).content.decode()
    assert 'id="na-pause-banner"' in html
    # Named, not linked: this user may not open targets.
    assert (
        'class="na-paused-target"' in html and change_url(targets["email"]) not in html
    )


def test_the_dashboard_shows_paused_targets(admin_client, targets):
    url = reverse("admin:app_list", args=["notify_admin"])
    assert 'id="na-paused-card"' not in admin_client.get(url).content.decode()
    pause_target(targets["twilio"], reason="20003", source=TargetPause.CREDENTIALS)
    html = admin_client.get(url).content.decode()
    assert 'id="na-paused-count">1<' in html
    assert f'href="{CHANGELIST}?paused=yes"' in html
    matrix = html[html.index('id="na-status-matrix"') :]
    row = matrix[matrix.index(targets["twilio"].name) :][:400]
    assert "na-status--PAUSED" in row


def test_the_dashboard_shows_targets_their_back_off_holds(admin_client, targets):
    """A target whose breaker opened (or whose daily limit was reached) is
    named on the dashboard with when it goes again and the provider's answer
    (escaped), and marked in the matrix; an expired back-off is not."""
    from datetime import timedelta

    from django.utils import timezone

    from notify_admin.models import TargetBackoff

    url = reverse("admin:app_list", args=["notify_admin"])
    backoff = TargetBackoff.objects.create(
        target=targets["twilio"],
        kind=TargetBackoff.BREAKER,
        not_before=timezone.now() + timedelta(minutes=5),
        trips=2,
        reason="HTTP 503 <script>x</script>",
    )
    html = admin_client.get(url).content.decode()
    card = html[html.index('id="na-held-card"') :][:1200]
    assert "1 target held back by its provider" in card
    assert targets["twilio"].name in card
    assert "Circuit breaker: the provider kept failing" in card
    assert "HTTP 503 &lt;script&gt;x&lt;/script&gt;" in card
    assert "<script>x" not in html
    matrix = html[html.index('id="na-status-matrix"') :]
    row = matrix[matrix.index(targets["twilio"].name) :][:600]
    assert "na-status--HELD" in row
    backoff.not_before = timezone.now() - timedelta(seconds=1)
    backoff.save()
    html = admin_client.get(url).content.decode()
    assert 'id="na-held-card"' not in html and "na-status--HELD" not in html


def test_a_paused_targets_rows_wait_for_the_resume(
    admin_client, due, targets, post_action
):
    row = due("email")
    pause_post(
        post_action, admin_client, [targets["email"]], confirm="yes", reason="hold"
    )
    result = deliver_due()
    row.refresh_from_db()
    assert (row.status, row.retry_attempts, row.attempted_delivery) == (
        Notification.SCHEDULED,
        0,
        None,
    )
    assert mail.outbox == [] and result.claimed == 0
    post_action(
        admin_client,
        NotificationTarget,
        "resume_sending",
        [targets["email"]],
        confirm="yes",
    )
    deliver_due()
    row.refresh_from_db()
    assert row.status == Notification.DELIVERED
    assert len(mail.outbox) == 1
