"""Hostile template text through every door that takes it (the change form,
the preview endpoint, the import, the creation call): a form error or inert
text, never a server error and never executed code.

Run on SQLite and on PostgreSQL (DATABASE_URL=postgres://...).
"""

import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notify_admin.delivery import send_now
from notify_admin.models import Notification, NotificationTemplate
from tests.support.html import parse

SCRIPT = '<script>document.title="pwned"</script><img src=x onerror="alert(1)">'
DJANGO_SYNTAX = (
    "{{ settings.SECRET_KEY }} {% load static %}{% debug %} {{ request.user.password }}"
)
BIG = "x" * 100 * 1024
DEEP = "[" * 50_000 + "]" * 50_000
DEEP_OBJECT = '{"a": ' * 5_000 + "1" + "}" * 5_000


@pytest.fixture
def template_staff(client, admin_user):
    client.force_login(admin_user)
    client.raise_request_exception = False
    return client


def form_data(**overrides):
    data = {
        "key": "hostile",
        "name": "Hostile",
        "description": "",
        "example_personalisation": "{}",
        "language": "en",
        "email_subject": "Subject",
        "email_text": "Text",
        "email_html": "",
        "sms_text": "",
        "push_title": "",
        "push_body": "",
        "push_data": "{}",
        "change_message": "",
    }
    data.update(overrides)
    return data


ADD = reverse("admin:notify_admin_notificationtemplate_add")
PREVIEW = reverse("admin:notify_admin_notificationtemplate_preview_add")

CASES = [
    # (overrides, saved?, field with the error)
    ({"email_html": SCRIPT, "email_text": "Text"}, True, None),
    ({"email_text": DJANGO_SYNTAX, "sms_text": DJANGO_SYNTAX}, True, None),
    ({"name": DJANGO_SYNTAX + SCRIPT}, True, None),
    ({"email_text": BIG}, True, None),  # 100 KB is within the email's limit
    ({"email_html": BIG * 5}, False, "email_html"),
    ({"sms_text": BIG}, False, "sms_text"),
    ({"push_title": "T", "push_body": BIG}, False, "push_body"),
    ({"push_title": "T", "push_body": "B", "push_data": DEEP}, False, "push_data"),
    (
        {"push_title": "T", "push_body": "B", "push_data": DEEP_OBJECT},
        False,
        "push_data",
    ),
    ({"example_personalisation": DEEP}, False, "example_personalisation"),
    ({"email_text": "((" * 50_000}, False, "email_text"),
    ({"email_subject": "a\x00b"}, False, "email_subject"),
    ({"language": "<script>"}, False, "language"),
    ({"language": "x" * 10_000}, False, "language"),
]


@pytest.mark.parametrize(("overrides", "saved", "field"), CASES)
def test_the_change_form_saves_inert_text_or_says_what_is_wrong(
    template_staff, overrides, saved, field
):
    response = template_staff.post(ADD, form_data(**overrides))
    assert response.status_code in (200, 302)
    assert NotificationTemplate.objects.exists() is saved
    if not saved:
        assert field in response.context["adminform"].form.errors
    preview = template_staff.post(PREVIEW, form_data(**overrides))
    assert preview.status_code == 200
    page = parse(preview.json()["html"])
    assert [t for t, attrs in page.tags if t in ("script", "img", "style")] == []
    assert all(not k.startswith("on") for _t, attrs in page.tags for k in attrs)


def test_a_saved_hostile_template_renders_as_text_everywhere(
    template_staff, make_user, make_record
):
    template_staff.post(
        ADD,
        form_data(
            name=SCRIPT,
            email_subject=DJANGO_SYNTAX,
            email_text=DJANGO_SYNTAX + " ((v))",
            email_html="<p>((v))</p>" + SCRIPT,
            example_personalisation=json.dumps({"v": SCRIPT}),
        ),
    )
    template = NotificationTemplate.objects.get()
    for name in ("changelist", "change", "versions", "version", "send_test"):
        args = {"changelist": [], "version": [template.pk, 1]}.get(name, [template.pk])
        response = template_staff.get(
            reverse(f"admin:notify_admin_notificationtemplate_{name}", args=args)
        )
        assert response.status_code == 200, name
        page = parse(response.content.decode())
        inline = [a for t, a in page.tags if t == "script" and not a.get("src")]
        assert inline == [], name
        assert not [a for t, a in page.tags if t == "img" and "onerror" in a], name
    user = make_user(username="victim")
    make_record(user, "email")
    (row,) = Notification.objects.create_from_template(template, user, {"v": SCRIPT})
    assert row.title == DJANGO_SYNTAX  # never run as a Django template
    assert row.extra["html"].startswith("<p>&lt;script&gt;")  # the value, escaped
    send_now(Notification.objects.filter(pk=row.pk))
    assert mail.outbox[0].subject == DJANGO_SYNTAX


def test_hostile_values_at_creation(make_template, make_user, make_record):
    template = make_template(
        sms_text="((v))",
        email_subject="S ((v))",
        email_text="((v))",
        email_html="((v))",
    )
    user = make_user()
    make_record(user, "email")
    with pytest.raises(Exception, match="contains NUL characters"):
        Notification.objects.create_from_template(template, user, {"v": "a\x00"})
    with pytest.raises(Exception, match="must be text or a number"):
        Notification.objects.create_from_template(template, user, {"v": {"a": 1}})
    with pytest.raises(Exception, match="at most 200"):
        Notification.objects.create_from_template(template, user, {"v": "x" * 300})
    assert not Notification.objects.exists()


def test_hostile_import_files(template_staff):
    url = reverse("admin:notify_admin_notificationtemplate_import")
    files = [
        b"key,push_title,push_body,push_data\nk,T,B," + DEEP.encode() + b"\n",
        b"key,email_text\nk," + b"((" * 50_000 + b"\n",
        b"\x00\x01\x02 binary",
        json.dumps([{"key": "k", "sms_text": SCRIPT + DJANGO_SYNTAX}]).encode(),
        DEEP.encode(),
    ]
    for index, data in enumerate(files):
        fmt = "2" if data.lstrip().startswith((b"[", b"{")) else "0"
        response = template_staff.post(
            url,
            {
                "resource": "0",
                "format": fmt,
                "import_file": SimpleUploadedFile("t.csv", data),
            },
        )
        assert response.status_code == 200, index
        page = parse(response.content.decode())
        assert [a for t, a in page.tags if t == "script" and not a.get("src")] == []
    assert not NotificationTemplate.objects.exists()
