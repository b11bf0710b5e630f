"""Approval of a large send job in Django's test client: above the threshold
the job waits; its creator cannot approve it, nor can staff without the send
permission (a message, never a 500, nothing sent); a second person who may
send approves it and it starts, with both names in the admin log."""

import pytest
from django.contrib.admin.models import LogEntry

from notify_admin.models import Notification, SendJob
from tests.support.send_job_admin import SENDER_PERMS, make_job, people, staff, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def approval_world(make_template, settings):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = 2
    template = make_template("news", name="News", email_subject="News", email_text="Hi")
    creator = staff("creator", *SENDER_PERMS)
    users = people(3)
    job = make_job(template, ["user"], [[u.username] for u in users], creator)
    return {"template": template, "creator": creator, "job": job}


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_a_job_above_the_threshold_waits_for_approval(client, approval_world):
    job = approval_world["job"]
    assert job.state == SendJob.AWAITING_APPROVAL
    client.force_login(approval_world["creator"])
    page = client.get(url("preview", job)).content.decode()
    assert "approval" in page
    assert 'id="na-job-send"' not in page
    assert 'id="na-job-approve"' not in page
    # A crafted "send" by the creator is refused with a message.
    response = client.post(url("preview", job), follow=True)
    assert any("waits for approval" in m for m in messages_of(response))
    assert Notification.objects.filter(send_job=job).count() == 0


def test_the_creator_cannot_approve(client, approval_world):
    job = approval_world["job"]
    client.force_login(approval_world["creator"])
    response = client.post(url("approve", job), follow=True)
    assert response.status_code == 200
    assert any("another person" in m for m in messages_of(response))
    job.refresh_from_db()
    assert job.state == SendJob.AWAITING_APPROVAL
    assert job.approved_by is None
    assert Notification.objects.filter(send_job=job).count() == 0


def test_staff_without_the_send_permission_cannot_approve(client, approval_world):
    job = approval_world["job"]
    watcher = staff("watcher", "view_sendjob", "change_sendjob")
    client.force_login(watcher)
    page = client.get(url("preview", job)).content.decode()
    assert 'id="na-job-approve"' not in page
    response = client.post(url("approve", job), follow=True)
    assert any("permission to send" in m for m in messages_of(response))
    job.refresh_from_db()
    assert job.state == SendJob.AWAITING_APPROVAL
    assert Notification.objects.filter(send_job=job).count() == 0


def test_a_second_person_approves_and_both_names_are_logged(client, approval_world):
    job = approval_world["job"]
    approver = staff("approver", *SENDER_PERMS)
    client.force_login(approver)
    page = client.get(url("preview", job)).content.decode()
    assert 'id="na-job-approve"' in page
    response = client.post(url("approve", job))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.approved_by == approver
    assert job.state != SendJob.AWAITING_APPROVAL
    assert Notification.objects.filter(send_job=job).count() == 3
    entries = LogEntry.objects.filter(object_id=str(job.pk), user=approver)
    text = " ".join(e.change_message for e in entries)
    assert "approver" in text and "creator" in text


def test_approving_twice_changes_nothing(client, approval_world):
    job = approval_world["job"]
    client.force_login(staff("approver", *SENDER_PERMS))
    client.post(url("approve", job))
    response = client.post(url("approve", job), follow=True)
    assert any("nothing to approve" in m for m in messages_of(response))
    assert Notification.objects.filter(send_job=job).count() == 3


def test_a_job_below_the_threshold_needs_no_approval(client, approval_world, settings):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = 10
    creator = approval_world["creator"]
    users = people(2, prefix="small")
    job = make_job(
        approval_world["template"], ["user"], [[u.username] for u in users], creator
    )
    assert job.state == SendJob.CHECKED
    client.force_login(creator)
    response = client.post(url("approve", job), follow=True)
    assert any("nothing to approve" in m for m in messages_of(response))
