"""A message template carries a category: its notifications have it (one at a
time or in bulk), the template admin shows and edits it, its CSV file names it."""

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notify_admin.delivery import deliver_due
from notify_admin.models import Notification, NotificationPreference
from tests.support.consent import category

pytestmark = pytest.mark.django_db

CONTENT = {"email_subject": "Digest", "email_text": "Hello ((name))", "sms_text": "Hi"}


def url(name, *args):
    return reverse(f"admin:notify_admin_notificationtemplate_{name}", args=args)


@pytest.fixture
def digest(make_template):
    template = make_template("weekly_digest", **CONTENT)
    template.category = category("digest")
    template.save()
    return template


def test_notifications_from_a_template_carry_its_category(
    digest, make_user, make_record, targets
):
    ann, bob = make_user(), make_user()
    make_record(ann)
    make_record(bob)
    (one,) = Notification.objects.create_from_template(digest, ann, {"name": "Ann"})
    assert one.category == digest.category
    result = Notification.objects.bulk_create_from_template(
        digest, [(bob, {"name": "Bob"})], collect_ids=True
    )
    assert Notification.objects.get(pk__in=result.ids).category == digest.category
    # And the engine applies its preferences: Bob turned the digest off.
    NotificationPreference.objects.create(
        user=bob, category=digest.category, target=targets["email"], enabled=False
    )
    run = deliver_due()
    assert (run.delivered, run.opted_out) == (1, 1)


def test_a_template_without_category_gives_uncategorised_rows(
    make_template, make_user, make_record
):
    template = make_template("plain", **CONTENT)
    user = make_user()
    make_record(user)
    (row,) = Notification.objects.create_from_template(template, user, {"name": "x"})
    assert row.category is None


def test_the_template_admin_shows_and_edits_the_category(admin_client, digest):
    security = category("security", critical=True)
    html = admin_client.get(url("changelist")).content.decode()
    assert "Digest" in html
    page = admin_client.get(url("change", digest.pk))
    assert 'name="category"' in page.content.decode()
    data = {
        "key": digest.key,
        "name": digest.name,
        "description": "",
        "category": str(security.pk),
        "example_personalisation": json.dumps({"name": "Ann"}),
        "language": "en",
        "email_subject": CONTENT["email_subject"],
        "email_text": CONTENT["email_text"],
        "email_html": "",
        "sms_text": CONTENT["sms_text"],
        "push_title": "",
        "push_body": "",
        "push_data": "{}",
        "change_message": "",
    }
    response = admin_client.post(url("change", digest.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    digest.refresh_from_db()
    assert digest.category == security
    assert digest.versions.count() == 1  # the content did not change
    assert "Category" in LogEntry.objects.latest("pk").get_change_message()
    html = admin_client.get(url("changelist")).content.decode()
    assert 'class="na-critical"' in html
    filtered = admin_client.get(url("changelist"), {"category__id__exact": security.pk})
    assert [t.key for t in filtered.context["cl"].result_list] == ["weekly_digest"]


def test_the_template_file_names_the_category(admin_client, digest):
    from tests.support.csv_import import FORMAT_INDEX

    export = admin_client.post(
        url("export"),
        {
            "resource": "0",
            "format": "0",
            **{
                f"notificationtemplateresource_{name}": "on"
                for name in ("key", "name", "category", "language", "email_subject")
            },
        },
    )
    body = b"".join(export.streaming_content if export.streaming else [export.content])
    text = body.decode()
    assert "category" in text.splitlines()[0] and ",digest," in text

    def upload(csv_text):
        return admin_client.post(
            url("import"),
            {
                "resource": "0",
                "format": FORMAT_INDEX["csv"],
                "import_file": SimpleUploadedFile(
                    "t.csv", csv_text.encode(), "text/csv"
                ),
            },
        )

    bad = upload("key,category,email_subject,email_text\nweekly_digest,nope,S,T\n")
    assert "No category with the key &#x27;nope&#x27;" in bad.content.decode()
    category("news")
    good = upload("key,category\nweekly_digest,news\n")
    assert "1 updated" in good.content.decode(), good.content.decode()[-2000:]
