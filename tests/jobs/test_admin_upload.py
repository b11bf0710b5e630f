"""The upload page of a send job in Django's test client: who may upload, the
errors page (every problem by line and column, escaped, capped with the
total, the form kept for the fixed file), a clean file becoming a checked job
(logged), and bad form input changing nothing."""

import datetime

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.utils import timezone
from django.utils.html import escape

from notify_admin.models import Notification, SendJob
from tests.support.html import parse
from tests.support.send_job_admin import (
    SENDER_PERMS,
    csv_bytes,
    people,
    staff,
    upload,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def upload_world(make_template):
    template = make_template(
        "appointment",
        name="Appointment",
        email_subject="Your appointment on ((day))",
        email_text="Hi ((first_name)), see you on ((day)) at ((place)).",
    )
    sender = staff("sender", *SENDER_PERMS)
    return {"template": template, "sender": sender, "users": people(3)}


def good_rows(users):
    return [[u.username, "Monday", "Room 1"] for u in users]


def test_the_upload_page_is_django_admin_with_its_media(client, upload_world):
    client.force_login(upload_world["sender"])
    response = client.get(url("add"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="template"' in page and 'name="file"' in page
    # The date-time picker's media (no inline script: static files only).
    assert "admin/js/calendar.js" in page
    assert "<script>" not in page


@pytest.mark.parametrize(
    "perms",
    [
        ("view_sendjob",),
        ("view_sendjob", "add_sendjob"),  # no send permission
        ("send_notification",),  # no add permission
    ],
)
def test_uploading_needs_add_and_send_permissions(client, upload_world, perms):
    user = staff("someone", *perms)
    client.force_login(user)
    assert client.get(url("add")).status_code == 403
    data = csv_bytes(["user", "day", "place"], good_rows(upload_world["users"]))
    assert upload(client, upload_world["template"], data).status_code == 403
    assert SendJob.objects.count() == 0


def test_a_clean_file_becomes_a_checked_job_and_goes_to_its_preview(
    client, upload_world
):
    client.force_login(upload_world["sender"])
    data = csv_bytes(["user", "day", "place"], good_rows(upload_world["users"]))
    response = upload(client, upload_world["template"], data)
    job = SendJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("preview", job)
    assert job.state == SendJob.CHECKED
    assert job.row_count == 3
    assert job.created_by == upload_world["sender"]
    assert Notification.objects.count() == 0  # nothing before it is sent
    entry = LogEntry.objects.get(object_id=str(job.pk))
    assert entry.action_flag == ADDITION
    assert entry.user == upload_world["sender"]
    assert "people.csv" in entry.change_message
    assert "3 rows checked" in entry.change_message


def test_the_errors_page_lists_every_problem_by_line_and_column(client, upload_world):
    users = upload_world["users"]
    rows = [
        [users[0].username, "Monday", "Room 1"],
        ["nobody-like-this", "Monday", "Room 1"],
        [users[1].username, "", "Room 2"],
        [users[0].username, "Tuesday", "Room 3"],
    ]
    client.force_login(upload_world["sender"])
    response = upload(
        client, upload_world["template"], csv_bytes(["user", "day", "place"], rows)
    )
    assert response.status_code == 200
    assert SendJob.objects.count() == 0
    table = response.context["errors"]
    lines = [(problem.line, problem.column) for problem in table]
    # Line 3: the unknown user; line 4: the missing value; line 5: the user
    # twice (the header is line 1).
    assert (3, "user") in lines
    assert any(line == 4 and column == "day" for line, column in lines)
    assert any(line == 5 for line, _column in lines)
    page = response.content.decode()
    assert "nothing was created" in page
    assert "Upload the fixed file" in page
    # The template stays chosen for the fixed file.
    chosen = [
        attrs.get("value")
        for name, attrs in parse(page).tags
        if name == "option" and "selected" in attrs
    ]
    assert str(upload_world["template"].pk) in chosen


def test_a_missing_user_column_and_unknown_columns_are_named(client, upload_world):
    client.force_login(upload_world["sender"])
    response = upload(
        client,
        upload_world["template"],
        csv_bytes(["email_address", "dayy", "place"], [["a", "b", "c"]]),
    )
    messages = [problem.message for problem in response.context["errors"]]
    assert SendJob.objects.count() == 0
    assert messages, "a file without a user column is an error"
    assert "user" in messages[0]
    assert any("dayy" in message for message in messages)


def test_cells_in_the_errors_page_are_data(client, upload_world):
    payload = "<img src=x onerror=alert(1)>"
    client.force_login(upload_world["sender"])
    response = upload(
        client,
        upload_world["template"],
        csv_bytes(["user", "day", "place"], [[payload, "Monday", "Room"]]),
    )
    page = response.content.decode()
    assert SendJob.objects.count() == 0
    assert payload not in page
    assert not any(name == "img" for name, _attrs in parse(page).tags)


def test_the_errors_page_is_capped_and_gives_the_total(client, upload_world):
    rows = [[f"ghost{i}", "Monday", "Room"] for i in range(150)]
    client.force_login(upload_world["sender"])
    response = upload(
        client, upload_world["template"], csv_bytes(["user", "day", "place"], rows)
    )
    assert response.context["error_total"] >= 150
    assert len(response.context["errors"]) == 100
    page = response.content.decode()
    assert f"{response.context['error_total']} errors" in page
    assert "more errors are not shown" in page
    assert SendJob.objects.count() == 0


@pytest.mark.parametrize(
    "fields, field, text",
    [
        ({"send": "later"}, "scheduled_for", "Choose when to send"),
        (
            {
                "send": "later",
                "scheduled_for_0": "2001-01-01",
                "scheduled_for_1": "10:00:00",
            },
            "scheduled_for",
            "in the past",
        ),
        ({"language": "<b>"}, "language", "not a language code"),
        ({"template": "999999999"}, "template", "Select a valid choice"),
        ({"template": "abc"}, "template", "Select a valid choice"),
    ],
)
def test_bad_form_input_is_a_form_error(client, upload_world, fields, field, text):
    client.force_login(upload_world["sender"])
    data = csv_bytes(["user", "day", "place"], good_rows(upload_world["users"]))
    response = upload(client, upload_world["template"], data, **fields)
    assert response.status_code == 200
    assert text in " ".join(response.context["form"].errors[field])
    assert SendJob.objects.count() == 0


def test_no_file_is_a_form_error(client, upload_world):
    client.force_login(upload_world["sender"])
    response = client.post(
        url("add"), {"template": upload_world["template"].pk, "send": "now"}
    )
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert SendJob.objects.count() == 0


def test_a_later_time_is_kept_on_the_job(client, upload_world):
    when = timezone.localtime() + datetime.timedelta(days=2)
    client.force_login(upload_world["sender"])
    data = csv_bytes(["user", "day", "place"], good_rows(upload_world["users"]))
    upload(
        client,
        upload_world["template"],
        data,
        send="later",
        scheduled_for_0=when.strftime("%Y-%m-%d"),
        scheduled_for_1=when.strftime("%H:%M:%S"),
    )
    job = SendJob.objects.get()
    assert abs((job.scheduled_for - when).total_seconds()) < 1


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x02PK\x03\x04binary",
        b"",
        b"user,day,place\r\n=cmd|' /C calc'!A0,Monday,Room\r\n",
    ],
    ids=["binary", "empty", "formula-user"],
)
def test_hostile_files_get_a_message_and_create_nothing(client, upload_world, data):
    client.force_login(upload_world["sender"])
    response = upload(client, upload_world["template"], data)
    assert response.status_code == 200
    assert SendJob.objects.count() == 0
    assert Notification.objects.count() == 0
    form = response.context["form"]
    assert response.context["errors"] or form.errors


def hostile_upload_cases(users):
    name = users[0].username
    return {
        "10,000 columns": csv_bytes(
            ["user", "day", "place", *[f"c{i}" for i in range(10_000)]],
            [[name, "Monday", "Room", *["x"] * 10_000]],
        ),
        "1 MB value": csv_bytes(
            ["user", "day", "place"], [[name, "M" * 1_000_000, "Room"]]
        ),
        "NUL bytes": b"user,day,place\r\n" + name.encode() + b",Mon\x00day,Room\r\n",
        "mixed encodings": (
            b"user,day,place\r\n"
            + name.encode()
            + b",Caf\xc3\xa9,Room\r\n"
            + users[1].username.encode()
            + b",Caf\xe9,Room\r\n"
        ),
        "over the size limit": csv_bytes(
            ["user", "day", "place"], [[name, "Monday", "Room " * 400]]
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "10,000 columns",
        "1 MB value",
        "NUL bytes",
        "mixed encodings",
        "over the size limit",
    ],
)
def test_hostile_files_are_named_on_the_errors_page(
    client, upload_world, settings, case
):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_MAX_BYTES = 1_500_000
    if case == "over the size limit":
        settings.NOTIFICATION_SYSTEM_SEND_JOB_MAX_BYTES = 1_000
    data = hostile_upload_cases(upload_world["users"])[case]
    client.force_login(upload_world["sender"])
    response = upload(client, upload_world["template"], data)
    assert response.status_code == 200
    problems = response.context["errors"]
    assert problems, f"{case}: the file passed"
    page = response.content.decode()
    assert "nothing was created" in page
    assert problems[0].message in page or escape(problems[0].message) in page
    assert len(page) < 2_000_000  # the page does not echo the file back
    assert SendJob.objects.count() == 0
    assert Notification.objects.count() == 0


def test_an_empty_post_shows_the_required_fields(client, upload_world):
    client.force_login(upload_world["sender"])
    response = client.post(url("add"), {})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"template", "file"} <= set(errors)
    assert SendJob.objects.count() == 0
