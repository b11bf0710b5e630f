"""Versions: every change is a new immutable row, numbered per template."""

import pytest
from django.db.models.deletion import ProtectedError

from notify_admin.models import Notification, NotificationTemplateVersion
from notify_admin.models.template_version import ImmutableVersion


def test_each_change_adds_a_version_with_who_and_what(make_template, make_user):
    editor = make_user(username="editor")
    template = make_template(sms_text="One")
    first = template.versions.get()
    assert (first.number, first.language, first.change_message) == (1, "en", "Created.")
    assert first.changed_fields == ["sms_text"]
    second = template.save_content(
        {"sms_text": "Two", "push_title": "T", "push_body": "B"}, "en", user=editor
    )
    assert second.number == 2
    assert second.created_by == editor
    assert second.changed_fields == ["sms_text", "push_title", "push_body"]
    assert second.change_message == "Changed SMS text, push title, push body."
    # Unchanged content adds nothing.
    assert template.save_content(second.content(), "en") is None
    # Another language continues the template's numbering.
    french = template.save_content({"sms_text": "Un"}, "fr")
    assert (french.number, french.change_message) == (3, "Created.")
    current = template.current_versions()
    assert {lang: v.number for lang, v in current.items()} == {"en": 2, "fr": 3}


def test_a_version_cannot_be_changed_or_deleted(make_template):
    version = make_template(sms_text="One").versions.get()
    version.sms_text = "Changed"
    with pytest.raises(ImmutableVersion):
        version.save()
    with pytest.raises(ImmutableVersion):
        version.delete()
    assert NotificationTemplateVersion.objects.get().sms_text == "One"


def test_a_template_whose_versions_were_sent_cannot_be_deleted(
    make_template, make_user, make_record
):
    template = make_template(sms_text="Hi")
    user = make_user()
    make_record(user, "twilio")
    Notification.objects.create_from_template(template, user)
    with pytest.raises(ProtectedError):
        template.delete()
    assert Notification.objects.count() == 1
