"""What was sent stays as it was (read-only once attempted, with the reason);
a staff cancellation reads "Cancelled by <user> at <time>" everywhere; the
dashboard's links use filters the sidebar shows."""

import re

from django.urls import reverse
from django.utils import timezone

from notify_admin.admin.display import when
from notify_admin.models import DeliveryAttempt, Notification

CHANGELIST = "admin:notify_admin_notification_changelist"


def change_url(row):
    return reverse("admin:notify_admin_notification_change", args=[row.pk])


def form_fields(page):
    """Names of the editable inputs of a change form."""
    html = page.content.decode()
    return set(re.findall(r'<(?:input|select|textarea)[^>]* name="([^"]+)"', html))


def test_an_attempted_row_shows_what_was_sent_read_only_and_why(
    admin_client, make_user, make_record, make_notification
):
    row = make_notification(make_record(make_user()), "DELIVERED", title="Sent")
    DeliveryAttempt.objects.create(
        notification=row, outcome="DELIVERED", address=row.user_target.target_user_id
    )
    page = admin_client.get(change_url(row))
    editable = form_fields(page)
    for name in ("title", "body", "extra", "status", "user_target", "retry_attempts"):
        assert name not in editable, name
    assert not {"scheduled_delivery_0", "attempted_delivery_0"} & editable
    assert {"retry_time_interval", "max_retries"} <= editable
    html = page.content.decode()
    assert 'id="na-locked"' in html
    assert "has been attempted (last on" in html
    assert "only through the actions" in html
    # The status in words, where the status field was.
    assert '<span class="na-status na-status--DELIVERED">Delivered</span>' in html


def test_a_crafted_post_cannot_rewrite_a_sent_row(
    admin_client, make_user, make_record, make_notification
):
    user = make_user()
    row = make_notification(make_record(user), "DELIVERED", title="Sent", body="b")
    other = make_record(user, "twilio")
    before = Notification.objects.get(pk=row.pk)
    response = admin_client.post(
        change_url(row),
        {
            "user_target": str(other.pk),
            "title": "Rewritten",
            "body": "Rewritten body",
            "extra": '{"x": 1}',
            "status": "SCHEDULED",
            "scheduled_delivery_0": "2030-01-01",
            "scheduled_delivery_1": "00:00:00",
            "attempted_delivery_0": "2030-01-01",
            "attempted_delivery_1": "00:00:00",
            "retry_time_interval": "60",
            "retry_attempts": "9",
            "max_retries": "4",
            "attempts-TOTAL_FORMS": "0",
            "attempts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    after = Notification.objects.get(pk=row.pk)
    for field in (
        "user_target_id",
        "title",
        "body",
        "extra",
        "status",
        "scheduled_delivery",
        "attempted_delivery",
        "retry_attempts",
    ):
        assert getattr(after, field) == getattr(before, field), field
    assert (after.retry_time_interval, after.max_retries) == (60, 4)


def test_a_scheduled_row_stays_editable(admin_client, make_user, make_record):
    row = Notification.objects.create(
        user_target=make_record(make_user()), title="t", body="b"
    )
    page = admin_client.get(change_url(row))
    assert {"title", "body", "status", "user_target"} <= form_fields(page)
    assert 'id="na-locked"' not in page.content.decode()


def cancel(admin_client, post_action, rows):
    return post_action(admin_client, Notification, "cancel", rows, confirm="yes")


def test_a_staff_cancellation_reads_cancelled_by_who_and_when_everywhere(
    admin_client, admin_user, post_action, make_user, make_record, make_notification
):
    row = make_notification(make_record(make_user(username="kim")), title="Promo")
    cancel(admin_client, post_action, [row])
    row.refresh_from_db()
    assert row.status == Notification.OPTED_OUT  # the seed's status stays
    cancelled = f"Cancelled by {admin_user.username} at {when(row.cancelled_at)}"

    listing = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert f"Cancelled by {admin_user.username}" in listing
    assert when(row.cancelled_at) in listing
    result_row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Promo.*?</tr>", listing, re.S)
    assert "Opted out" not in result_row.group(0)

    page = admin_client.get(change_url(row))
    html = page.content.decode()
    assert cancelled in html
    assert "status" not in form_fields(page)
    assert "Undo cancel" in html

    user_page = admin_client.get(
        reverse("admin:auth_user_change", args=[row.user_target.user_id])
    ).content.decode()
    panel = re.search(r'id="na-user-panel".*?</table>', user_page, re.S).group(0)
    assert f"Cancelled by {admin_user.username}" in panel
    assert "Opted out" not in panel

    dashboard = admin_client.get(
        reverse("admin:app_list", args=["notify_admin"])
    ).content.decode()
    assert "Cancelled by staff" in dashboard
    link = re.search(r'href="([^"]*opted_out=cancelled[^"]*)"[^>]*>1<', dashboard)
    assert link, "the cancelled count links to the cancelled rows"
    rows = admin_client.get(link.group(1).replace("&amp;", "&"))
    assert [n.pk for n in rows.context["cl"].result_list] == [row.pk]


def test_a_users_opt_out_is_not_shown_as_a_cancellation(
    admin_client, make_user, make_record, make_notification
):
    row = make_notification(make_record(make_user()), "OPTED_OUT", title="Opted")
    listing = admin_client.get(reverse(CHANGELIST)).content.decode()
    table = re.search(r'id="result_list".*?</table>', listing, re.S).group(0)
    assert "Opted out" in table and "Cancelled by" not in table
    assert "status" in form_fields(admin_client.get(change_url(row)))


def test_the_failed_link_of_the_dashboard_is_a_filter_the_sidebar_shows(
    admin_client, make_user, make_record, make_notification
):
    record = make_record(make_user())
    make_notification(record, "DELIVERY_FAILURE", attempted_delivery=timezone.now())
    make_notification(record, "INACTIVE_DEVICE", attempted_delivery=timezone.now())
    make_notification(record, "RETRY", attempted_delivery=timezone.now())
    url = reverse(CHANGELIST) + "?status__in=DELIVERY_FAILURE%2CINACTIVE_DEVICE"
    page = admin_client.get(url)
    assert len(page.context["cl"].result_list) == 2
    html = page.content.decode()
    sidebar = re.search(r'id="changelist-filter".*?</nav>', html, re.S).group(0)
    selected = re.findall(r'<li class="selected">\s*<a [^>]*>(.*?)</a>', sidebar, re.S)
    assert "Failed (delivery failure or inactive device)" in [
        s.strip() for s in selected
    ]
    # Choosing a status from there drops the group: the list is not empty.
    retry = re.search(r'<a href="(\?[^"]*status__exact=RETRY[^"]*)"', sidebar)
    assert "status__in" not in retry.group(1)
    rows = admin_client.get(reverse(CHANGELIST) + retry.group(1).replace("&amp;", "&"))
    assert [n.status for n in rows.context["cl"].result_list] == ["RETRY"]


def test_the_push_preview_lists_only_the_options_given(
    admin_client, make_user, make_record, make_notification
):
    push = make_notification(
        make_record(make_user(), "expo"), title="Ping", extra={"sound": "default"}
    )
    html = admin_client.get(change_url(push)).content.decode()
    preview = re.search(r'class="na-preview">(.*?)</dl>', html, re.S).group(1)
    assert "<dt>sound</dt><dd><code>default</code></dd>" in preview
    assert "None" not in preview


def test_the_add_form_defaults_retries_like_compose(admin_client, settings):
    page = admin_client.get(reverse("admin:notify_admin_notification_add"))
    form = page.context["adminform"].form
    assert form.initial["retry_time_interval"] == 300
    assert form.initial["max_retries"] == 3
    settings.NOTIFICATION_SYSTEM_RETRY_TIME_INTERVAL = 120
    page = admin_client.get(reverse("admin:notify_admin_notification_add"))
    assert page.context["adminform"].form.initial["retry_time_interval"] == 120
