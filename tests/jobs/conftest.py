"""Fixtures of the send-job tests (tests/jobs/): a template with a part per
channel, people with addresses, and uploads built from rows."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture
def job_template(make_template):
    """A template with an email, an SMS and a push part, using ((name)) and
    ((code)) (the push part only ((code)))."""
    return make_template(
        "parcel_ready",
        name="Parcel ready",
        email_subject="Parcel for ((name))",
        email_text="Hello ((name)), your code is ((code)).",
        email_html="<p>Hello ((name)), your code is <b>((code))</b>.</p>",
        sms_text="Code ((code)) for ((name))",
        push_title="Parcel ready",
        push_body="Your code is ((code))",
    )


@pytest.fixture
def job_sender(make_staff):
    """A staff user "sender" who may send and change notifications."""
    return make_staff(
        "notify_admin.send_notification",
        "notify_admin.change_notification",
        username="sender",
    )


@pytest.fixture
def job_people(make_user, make_record):
    """``make(n, modules=("email",), prefix="person")``: ``n`` users named
    ``<prefix>1``..., each with an active address on each module."""

    def make(n, modules=("email",), prefix="person"):
        people = []
        for i in range(1, n + 1):
            user = make_user(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com")
            for module in modules:
                address = f"+1415555{i:04d}" if module == "twilio" else None
                make_record(user, module, address)
            people.append(user)
        return people

    return make


def rows_to_csv(rows, delimiter=","):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


@pytest.fixture
def job_file():
    """``make(content, name="recipients.csv", encoding="utf-8")``: an upload
    as the admin receives it; ``content`` is a list of rows (the header
    first), text, or bytes."""

    def make(content, name="recipients.csv", encoding="utf-8", delimiter=","):
        if isinstance(content, list):
            content = rows_to_csv(content, delimiter)
        if isinstance(content, str):
            content = content.encode(encoding)
        return SimpleUploadedFile(name, content, content_type="text/csv")

    return make
