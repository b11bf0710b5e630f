"""A checked job's preview and Send in Django's test client: the first rows
rendered per channel as they will be sent (markup as text, the email's HTML
in a sandboxed frame), totals and opted-out users, sending (logged), the
duplicate-file guard naming the earlier job, and crafted requests (forged
ids, wrong states, no permission) getting a message or a 4xx, never a 500."""

import datetime
import io

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notify_admin.models import Notification, NotificationOptOut, SendJob
from tests.support.html import parse
from tests.support.send_job_admin import (
    SENDER_PERMS,
    VIEWER_PERMS,
    make_job,
    people,
    staff,
    url,
)

pytestmark = pytest.mark.django_db
HEADER = ["user", "order"]
PAYLOAD = '"><script>alert(1)</script>'


@pytest.fixture
def send_world(make_template):
    template = make_template(
        "shipped",
        name="Order shipped",
        email_subject="Order ((order)) shipped",
        email_text="Order ((order)) is on its way.",
        email_html="<p>Order <b>((order))</b> is on its way.</p>",
    )
    users = people(4)
    NotificationOptOut.objects.create(user=users[3], active=True)
    sender = staff("sender", *SENDER_PERMS)
    rows = [[u.username, f"A-{i}"] for i, u in enumerate(users)]
    rows[0][1] = PAYLOAD.replace(",", " ").replace('"', "'")
    return {"template": template, "users": users, "sender": sender, "rows": rows}


def job_of(world, **kwargs):
    return make_job(world["template"], HEADER, world["rows"], world["sender"], **kwargs)


def test_the_preview_renders_the_first_rows_as_they_will_be_sent(client, send_world):
    job = job_of(send_world)
    client.force_login(send_world["sender"])
    response = client.get(url("preview", job))
    assert response.status_code == 200
    page = response.content.decode()
    parsed = parse(page)
    # The first row's value is text everywhere: no script element from it,
    # and the email's HTML only inside the sandboxed frame's srcdoc.
    assert not any(
        name == "script" and not attrs.get("src") for name, attrs in parsed.tags
    )
    frames = [attrs for name, attrs in parsed.tags if name == "iframe"]
    assert frames and all(attrs.get("sandbox") == "" for attrs in frames)
    assert "<b>A-1</b>" in frames[1]["srcdoc"]
    assert "Order A-2 is on its way." in page
    # Totals per channel, and the opted-out user listed as skipped.
    assert response.context["total"] == 3
    assert (
        dict(response.context["totals"]) == {"email": 3}
        or sum(n for _name, n in response.context["totals"]) == 3
    )
    assert send_world["users"][3].username in page
    assert "opted out" in page


def test_send_creates_the_rows_and_logs_it(client, send_world):
    job = job_of(send_world)
    client.force_login(send_world["sender"])
    response = client.post(url("preview", job))
    assert response.status_code == 302
    assert response["Location"] == url("change", job)
    job.refresh_from_db()
    assert job.state in (SendJob.SENDING, SendJob.SCHEDULED, SendJob.FINISHED)
    assert Notification.objects.filter(send_job=job).count() == 3
    messages = [
        e.change_message for e in LogEntry.objects.filter(object_id=str(job.pk))
    ]
    assert any("3 notifications" in m for m in messages)


def test_the_same_file_again_names_the_earlier_job_and_needs_a_tick(client, send_world):
    first = job_of(send_world)
    client.force_login(send_world["sender"])
    client.post(url("preview", first))
    second = job_of(send_world)
    page = client.get(url("preview", second)).content.decode()
    assert f"job {first.pk}" in page
    assert url("change", first) in page
    assert 'name="confirm_duplicate"' in page
    # Without the tick: an error, nothing created.
    response = client.post(url("preview", second))
    assert response.status_code == 200
    assert "tick the box" in page + response.content.decode()
    assert Notification.objects.filter(send_job=second).count() == 0
    second.refresh_from_db()
    assert second.state == SendJob.CHECKED
    # With it: sent, and the log says it was a confirmed duplicate.
    response = client.post(url("preview", second), {"confirm_duplicate": "on"})
    assert response.status_code == 302
    assert Notification.objects.filter(send_job=second).count() == 3
    entry = LogEntry.objects.filter(object_id=str(second.pk)).latest("pk")
    assert f"job {first.pk}" in entry.change_message


@pytest.mark.parametrize("name", ["change", "preview", "counts", "cancel", "export"])
@pytest.mark.parametrize("forged", ["999999", "abc", "1" * 40, "-1", "1 OR 1=1"])
def test_forged_job_ids_are_not_found(client, send_world, name, forged):
    admin = staff("boss", *SENDER_PERMS, "export_notification")
    client.force_login(admin)
    path = url(name, job_of(send_world)).replace(
        f"/{SendJob.objects.get().pk}/", f"/{forged}/"
    )
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code in (302, 404), (path, response.status_code)


def test_a_job_already_sent_cannot_be_sent_again(client, send_world):
    job = job_of(send_world)
    client.force_login(send_world["sender"])
    client.post(url("preview", job))
    response = client.post(url("preview", job), follow=True)
    assert response.status_code == 200
    assert Notification.objects.filter(send_job=job).count() == 3
    assert "no preview to confirm" in response.content.decode()


def test_sending_needs_the_send_permission(client, send_world):
    job = job_of(send_world)
    viewer = staff("viewer", *VIEWER_PERMS)
    client.force_login(viewer)
    assert client.get(url("preview", job)).status_code == 200
    page = client.get(url("preview", job)).content.decode()
    assert 'id="na-job-send"' not in page
    assert client.post(url("preview", job)).status_code == 403
    assert Notification.objects.filter(send_job=job).count() == 0


def test_staff_without_view_permission_see_no_job(client, send_world):
    job = job_of(send_world)
    client.force_login(staff("nobody"))
    for name in ("change", "preview", "counts"):
        assert client.get(url(name, job)).status_code == 403


def test_a_job_for_later_is_scheduled_at_its_time(client, send_world):
    when = timezone.now() + datetime.timedelta(days=1)
    job = job_of(send_world, scheduled_for=when)
    client.force_login(send_world["sender"])
    page = client.get(url("preview", job)).content.decode()
    assert "Schedule 3 notifications for" in page
    response = client.post(url("preview", job), follow=True)
    job.refresh_from_db()
    assert job.state == SendJob.SCHEDULED
    rows = Notification.objects.filter(send_job=job)
    assert rows.count() == 3
    assert all(abs((n.scheduled_delivery - when).total_seconds()) < 1 for n in rows)
    assert any("scheduled for" in str(m) for m in response.context["messages"])
    # Its page follows it, seldom while it waits for its time.
    assert 'data-na-job-refresh="30"' in response.content.decode()


def test_a_large_job_is_created_in_the_background_and_the_page_follows_it(
    client, send_world, settings
):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_BACKGROUND_ROWS = 1
    job = job_of(send_world)
    client.force_login(send_world["sender"])
    response = client.post(url("preview", job), follow=True)
    job.refresh_from_db()
    assert job.state == SendJob.CREATING
    assert Notification.objects.filter(send_job=job).count() == 0
    page = response.content.decode()
    assert "0 of 3 notifications created" in page
    assert '<meta http-equiv="refresh"' in page  # inside <noscript>
    assert client.get(url("counts", job)).json()["live"] is True
    # The cron command creates the rows; the page and its JSON follow.
    call_command("process_send_jobs", stdout=io.StringIO())
    figures = client.get(url("counts", job)).json()
    assert figures["created"] == 3
    assert figures["cells"]["total"] == 3
    assert figures["state"] in (SendJob.SENDING, SendJob.SCHEDULED)
    page = client.get(url("change", job)).content.decode()
    assert 'data-na-job-refresh="3"' in page


@pytest.mark.parametrize(
    "name, data",
    [
        ("approve", {}),  # a checked job waits for nobody's approval
        ("cancel", {"confirm": "yes"}),  # cancelling is allowed: see below
        ("preview", {"confirm_duplicate": ["on", "x"] * 50}),
    ],
)
def test_crafted_posts_on_a_finished_job_change_nothing(client, send_world, name, data):
    job = job_of(send_world)
    client.force_login(staff("boss", *SENDER_PERMS))
    client.post(url("preview", job))
    Notification.objects.filter(send_job=job).update(
        status=Notification.DELIVERED, attempted_delivery=timezone.now()
    )
    client.get(url("change", job))  # the page sees it finished
    job.refresh_from_db()
    assert job.state == SendJob.FINISHED
    before = list(Notification.objects.values_list("pk", "status", "cancelled_at"))
    response = client.post(url(name, job), data, follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert list(Notification.objects.values_list("pk", "status", "cancelled_at")) == (
        before
    )
    job.refresh_from_db()
    assert job.state == SendJob.FINISHED


def test_the_preview_costs_the_same_whatever_the_file_size(client, send_world):
    def job_for(n, prefix):
        rows = [[u.username, f"B-{i}"] for i, u in enumerate(people(n, prefix))]
        return make_job(send_world["template"], HEADER, rows, send_world["sender"])

    # Both longer than the lines the preview reads again.
    small, big = job_for(80, "few"), job_for(800, "many")
    client.force_login(send_world["sender"])
    client.get(url("preview", small))

    def queries(job):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("preview", job))
        assert response.status_code == 200
        return len(captured), response

    few, _response = queries(small)
    many, response = queries(big)
    assert many == few
    assert len(response.context["rows"]) == 3
    assert response.context["total"] == 800


def test_a_failed_creation_is_shown_and_may_be_sent_again(client, send_world):
    job = job_of(send_world)
    SendJob.objects.filter(pk=job.pk).update(
        state=SendJob.FAILED, failure="The database went away <b>now</b>"
    )
    client.force_login(send_world["sender"])
    page = client.get(url("change", job)).content.decode()
    assert "The database went away &lt;b&gt;now&lt;/b&gt;" in page
    assert url("preview", job) in page
    response = client.post(url("preview", job))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == SendJob.SENDING
    assert Notification.objects.filter(send_job=job).count() == 3


def test_the_preview_shows_each_channel_as_it_will_be_sent(
    client, job_template, job_people
):
    users = job_people(2, modules=("email", "twilio", "expo"), prefix="multi")
    sender = staff("multisender", *SENDER_PERMS)
    job = make_job(
        job_template,
        ["user", "name", "code"],
        [[u.username, f"Name {i}", f"C{i}"] for i, u in enumerate(users)],
        sender,
    )
    client.force_login(sender)
    response = client.get(url("preview", job))
    rows = response.context["rows"]
    assert len(rows) == 2
    parts = {part["part"]: part for part in rows[0]["parts"]}
    assert set(parts) == {"email", "sms", "push"}
    assert "Code C0 for Name 0" in parts["sms"]["html"]
    assert "segment" in parts["sms"]["html"]  # the channel's own size
    assert "Your code is C0" in parts["push"]["html"]
    totals = dict(response.context["totals"])
    assert sum(totals.values()) == 6 == response.context["total"]


@pytest.mark.parametrize("name", ["change", "preview", "counts", "cancel", "export"])
def test_anonymous_and_non_staff_users_are_sent_to_the_login(
    client, send_world, make_user, name
):
    job = job_of(send_world)
    for user in (None, make_user(username=f"plain-{name}")):
        if user is not None:
            client.force_login(user)
        for method in (client.get, client.post):
            response = method(url(name, job))
            assert response.status_code == 302
            assert "/login/" in response["Location"]
    assert Notification.objects.count() == 0


@pytest.mark.parametrize("name", ["preview", "approve", "cancel"])
def test_every_post_needs_the_csrf_token(send_world, name, settings):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = 0
    job = job_of(send_world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff("boss", *SENDER_PERMS))
    assert client.post(url(name, job)).status_code == 403
    job.refresh_from_db()
    assert job.state == SendJob.AWAITING_APPROVAL
    assert job.approved_by is None
