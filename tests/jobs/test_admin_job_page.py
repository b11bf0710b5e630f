"""A send job's page, the job list, Cancel job and the export, in Django's
test client: counts by channel and status linked to the notification list
through a filter the sidebar shows, the live figures' JSON, a fixed number
of queries whatever the row count, cancellation of the open rows (logged),
and the export (streamed, formula cells escaped, permission checked)."""

import csv
import io

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from notify_admin import jobs
from notify_admin.models import Notification, SendJob
from tests.support.html import parse
from tests.support.send_job_admin import SENDER_PERMS, make_job, people, staff, url

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:notify_admin_notification_changelist"


@pytest.fixture
def page_world(make_template):
    template = make_template(
        "reminder",
        name="Reminder",
        email_subject="Reminder",
        email_text="Hi ((name))",
    )
    sender = staff("sender", *SENDER_PERMS, "export_notification")
    return {"template": template, "sender": sender}


def started_job(world, n, prefix="p", values=None):
    users = people(n, prefix=prefix)
    rows = [
        [u.username, (values or {}).get(i, f"Name {i}")] for i, u in enumerate(users)
    ]
    job = make_job(world["template"], ["user", "name"], rows, world["sender"])
    jobs.start(job, by=world["sender"])
    job.refresh_from_db()
    return job


def test_the_job_page_links_each_count_to_the_filtered_list(client, page_world):
    job = started_job(page_world, 3)
    first = Notification.objects.filter(send_job=job).order_by("pk").first()
    Notification.objects.filter(pk=first.pk).update(
        status=Notification.DELIVERED, attempted_delivery=timezone.now()
    )
    client.force_login(page_world["sender"])
    response = client.get(url("change", job))
    assert response.status_code == 200
    links = [
        attrs["href"]
        for name, attrs in parse(response.content.decode()).tags
        if name == "a" and "href" in attrs
    ]
    base = reverse(CHANGELIST)
    job_links = [
        link for link in links if link.startswith(base) and f"send_job={job.pk}" in link
    ]
    assert f"{base}?send_job={job.pk}" in job_links
    delivered = [link for link in job_links if "status__exact=DELIVERED" in link]
    assert delivered
    # The linked list holds exactly the counted rows, and its sidebar shows
    # the job's filter (issue 19's rule: links use filters the sidebar shows).
    listed = client.get(delivered[-1])
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 1
    specs = [
        spec
        for spec in listed.context["cl"].filter_specs
        if getattr(spec, "parameter_name", "") == "send_job"
    ]
    assert specs and specs[0].value() == str(job.pk)
    assert f"Job {job.pk}" in listed.content.decode()
    everything = client.get(f"{base}?send_job={job.pk}")
    assert everything.context["cl"].result_count == 3


def test_the_live_figures_are_json(client, page_world):
    job = started_job(page_world, 2)
    client.force_login(page_world["sender"])
    response = client.get(url("counts", job))
    assert response.status_code == 200
    figures = response.json()
    assert figures["state"] == job.state
    assert figures["cells"]["total"] == 2
    assert figures["created"] == 2
    page = client.get(url("change", job)).content.decode()
    assert "notify_admin/js/send_job.js" in page
    assert f'data-na-job-counts="{url("counts", job)}"' in page


def queries_of(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def test_the_job_page_runs_a_fixed_number_of_queries(client, page_world):
    small = started_job(page_world, 3, prefix="s")
    big = started_job(page_world, 40, prefix="b")
    client.force_login(page_world["sender"])
    client.get(url("change", small))  # warm the content-type cache
    assert queries_of(client, url("change", small)) == queries_of(
        client, url("change", big)
    )
    assert queries_of(client, url("counts", small)) == queries_of(
        client, url("counts", big)
    )


def test_the_job_list_runs_a_fixed_number_of_queries(client, page_world):
    client.force_login(page_world["sender"])
    started_job(page_world, 2, prefix="a")
    changelist = url("changelist")
    client.get(changelist)
    few = queries_of(client, changelist)
    for i in range(6):
        started_job(page_world, 2, prefix=f"m{i}x")
    page = client.get(changelist).content.decode()
    assert "2 delivered" not in page  # nothing delivered yet
    assert queries_of(client, changelist) == few


def test_cancel_asks_then_cancels_the_open_rows(client, page_world):
    job = started_job(page_world, 3)
    delivered = Notification.objects.filter(send_job=job).order_by("pk").first()
    Notification.objects.filter(pk=delivered.pk).update(
        status=Notification.DELIVERED, attempted_delivery=timezone.now()
    )
    client.force_login(page_world["sender"])
    page = client.get(url("cancel", job)).content.decode()
    assert "2 open notifications" in page
    assert (
        Notification.objects.filter(send_job=job, cancelled_at__isnull=False).count()
        == 0
    )
    response = client.post(url("cancel", job), follow=True)
    assert response.status_code == 200
    rows = Notification.objects.filter(send_job=job)
    assert (
        rows.filter(cancelled_at__isnull=False, status=Notification.OPTED_OUT).count()
        == 2
    )
    assert rows.get(pk=delivered.pk).status == Notification.DELIVERED
    job.refresh_from_db()
    assert job.state == SendJob.CANCELLED
    entry = LogEntry.objects.filter(object_id=str(job.pk)).latest("pk")
    assert "2 open notifications cancelled" in entry.change_message
    assert any(
        "2 open notifications cancelled" in str(m) for m in response.context["messages"]
    )
    # Cancelling again: a message, nothing changes.
    again = client.post(url("cancel", job), follow=True)
    assert any("nothing to cancel" in str(m) for m in again.context["messages"])


def test_cancel_needs_the_change_permission(client, page_world):
    job = started_job(page_world, 2)
    client.force_login(staff("viewer", "view_sendjob"))
    assert client.get(url("cancel", job)).status_code == 403
    assert client.post(url("cancel", job)).status_code == 403
    assert (
        Notification.objects.filter(send_job=job, cancelled_at__isnull=False).count()
        == 0
    )


def test_the_export_streams_every_row_with_formulas_escaped(client, page_world):
    job = started_job(page_world, 3, values={0: '=HYPERLINK("http://x")'})
    client.force_login(page_world["sender"])
    response = client.get(url("export", job))
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 3
    assert not any(cell.startswith("=") for row in rows for cell in row)
    entry = LogEntry.objects.filter(object_id=str(job.pk)).latest("pk")
    assert "Exported 3 rows" in entry.change_message


def test_the_export_needs_the_export_permission(client, page_world):
    job = started_job(page_world, 1)
    client.force_login(staff("viewer", "view_sendjob"))
    assert client.get(url("export", job)).status_code == 403
    page = client.get(url("change", job)).content.decode()
    assert url("export", job) not in page


def test_an_unknown_job_filter_value_is_refused_not_a_500(client, page_world):
    client.force_login(page_world["sender"])
    base = reverse(CHANGELIST)
    for value in ("abc", "1" * 40, "-3"):
        response = client.get(f"{base}?send_job={value}")
        assert response.status_code in (200, 302)
    response = client.get(f"{base}?send_job=987654")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    assert SendJob.objects.count() == 0


def test_a_hostile_file_name_is_text_on_every_page(client, page_world):
    payload = "<img src=x onerror=alert(1)>"
    job = started_job(page_world, 2)
    SendJob.objects.filter(pk=job.pk).update(file_name=f"{payload}.csv")
    client.force_login(page_world["sender"])
    pages = [
        url("changelist"),
        url("change", job),
        url("cancel", job),
        f"{reverse(CHANGELIST)}?send_job={job.pk}",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert payload not in page, path
        tags = parse(page).tags
        assert not any(attrs.get("onerror") for _name, attrs in tags), path
        assert escape(payload) in page, path


def test_the_job_list_filters_by_state_and_date(client, page_world):
    sent = started_job(page_world, 2, prefix="f")
    users = people(1, prefix="waiting")
    checked = make_job(
        page_world["template"],
        ["user", "name"],
        [[users[0].username, "X"]],
        page_world["sender"],
    )
    SendJob.objects.filter(pk=checked.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=10)
    )
    client.force_login(page_world["sender"])
    listed = client.get(url("changelist") + "?state__exact=checked")
    assert [job.pk for job in listed.context["cl"].result_list] == [checked.pk]
    today = timezone.localdate().isoformat()
    recent = client.get(url("changelist") + f"?created_at__range__gte={today}")
    assert recent.status_code == 200
    assert [job.pk for job in recent.context["cl"].result_list] == [sent.pk]


def hrefs(response):
    return [
        attrs["href"]
        for name, attrs in parse(response.content.decode()).tags
        if name == "a" and "href" in attrs
    ]


def test_a_notification_page_links_back_to_its_job(client, page_world):
    job = started_job(page_world, 1)
    row = Notification.objects.get(send_job=job)
    client.force_login(page_world["sender"])
    change = reverse("admin:notify_admin_notification_change", args=[row.pk])
    response = client.get(change)
    assert response.status_code == 200
    assert url("change", job) in hrefs(response)
    assert escape(str(job)) in response.content.decode()
    # A notification not made by a job says so, with no link to one.
    other = Notification.objects.create(
        user_target=row.user_target, title="Alone", body="x"
    )
    response = client.get(
        reverse("admin:notify_admin_notification_change", args=[other.pk])
    )
    assert response.status_code == 200
    assert url("change", job) not in hrefs(response)
