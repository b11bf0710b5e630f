"""The change page's preview of an email rendered from a template: the frame
gets the escaped document, the source shows as text, nothing of the template
is markup of the admin page; the page carries the console's CSP header."""

from django.template.loader import render_to_string
from django.urls import reverse

from notify_admin.csp import IMPORT_EXPORT_SELECT_ALL
from tests.support.html import parse


def change_page(client, notification):
    return client.get(
        reverse("admin:notify_admin_notification_change", args=[notification.pk])
    )


def test_the_frame_gets_the_whole_email_escaped(admin_client, hostile_email):
    response = change_page(admin_client, hostile_email)
    assert response.status_code == 200
    page = parse(response.content.decode())

    (frame,) = [attrs for tag, attrs in page.tags if tag == "iframe"]
    # The attribute holds the exact document the email channel sends.
    expected = render_to_string("hostile_email.html", hostile_email.extra)
    assert frame["srcdoc"] == str(expected)
    assert 'Weekly "digest"' in frame["srcdoc"]
    assert "<script>" in frame["srcdoc"] and "onerror=" in frame["srcdoc"]
    # The template's value was escaped by the template engine, once.
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in frame["srcdoc"]
    # No scripts, no same origin, no forms, no pop-ups in the frame.
    assert frame["sandbox"] == ""


def test_nothing_of_the_email_is_markup_of_the_admin_page(admin_client, hostile_email):
    page = parse(change_page(admin_client, hostile_email).content.decode())
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert attrs.get("id") != "na-email-heading"
        assert attrs.get("id") != "na-email-img"
        assert "na-email-only" not in attrs.get("class", "")
        if tag == "script":
            # Only the admin's own script files, never an inline script.
            assert attrs.get("src"), attrs
    assert not [attrs for tag, attrs in page.tags if tag == "style"]
    images = [attrs["src"] for tag, attrs in page.tags if tag == "img"]
    assert all(src.startswith("/static/admin/") for src in images), images


def test_the_html_source_is_text(admin_client, hostile_email):
    page = parse(change_page(admin_client, hostile_email).content.decode())
    source = "".join(data for (path, data) in page.text if path and path[-1] == "pre")
    assert "<script>document.body.setAttribute" in source
    assert '<img id="na-email-img" src="no-such-image.png"\n onerror=' in source
    assert "<style>\nbody { background" in source


def test_a_preview_value_marked_safe_is_still_escaped(
    admin_client, make_user, make_record, make_notification, monkeypatch
):
    """A channel's preview may hand back strings marked safe (as Django's
    render_to_string does): they are shown as text all the same."""
    from django.utils.safestring import mark_safe

    from notify_admin.channels.email import EmailChannel

    def preview(self, notification):
        return {
            "subject": mark_safe("<b id='na-safe-subject'>s</b>"),
            "body": mark_safe("<i id='na-safe-body'>b</i>"),
            "html": mark_safe('<p title="x">"quoted"</p>'),
            "priority": mark_safe("<u id='na-safe-extra'>u</u>"),
        }

    monkeypatch.setattr(EmailChannel, "preview", preview)
    n = make_notification(make_record(make_user()))
    content = change_page(admin_client, n).content.decode()
    page = parse(content)
    ids = {attrs.get("id") for _, attrs in page.tags}
    assert not ids & {"na-safe-subject", "na-safe-body", "na-safe-extra"}
    (frame,) = [attrs for tag, attrs in page.tags if tag == "iframe"]
    assert frame["srcdoc"] == '<p title="x">"quoted"</p>'
    assert "&lt;b id=&#x27;na-safe-subject&#x27;&gt;" in content


def test_every_admin_page_sends_the_content_security_policy(
    admin_client, hostile_email
):
    for url in [
        reverse("admin:index"),
        reverse("admin:app_list", args=["notify_admin"]),
        reverse("admin:notify_admin_notification_changelist"),
        reverse("admin:notify_admin_notification_change", args=[hostile_email.pk]),
        reverse("admin:login"),
    ]:
        response = admin_client.get(url)
        policy = response["Content-Security-Policy"]
        directives = {
            part.split()[0]: part.split()[1:]
            for part in policy.split(";")
            if part.strip()
        }
        assert directives["default-src"] == ["'self'"], url
        # No inline script: only the console's files, or the request's nonce.
        script_src = directives["script-src"]
        assert "'unsafe-inline'" not in script_src
        assert "'self'" in script_src
        allowed = {"'self'", "'unsafe-hashes'", IMPORT_EXPORT_SELECT_ALL}
        assert all(s in allowed or s.startswith("'nonce-") for s in script_src)
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["base-uri"] == ["'none'"]


def test_the_policy_allows_exactly_the_export_pages_select_all_handler():
    """The hash in the policy is the one of the handler import-export's
    export page carries; if the library changes it, this fails (and the box
    would stop working under the CSP)."""
    import base64
    import hashlib
    import re

    from django.template.loader import get_template

    source = get_template("admin/import_export/export.html").template.source
    handlers = re.findall(r'\son[a-z]+="([^"]*)"', source)
    assert handlers == ["onSelectToggleChange(event)"]
    digest = hashlib.sha256(handlers[0].encode()).digest()
    assert f"'sha256-{base64.b64encode(digest).decode()}'" == IMPORT_EXPORT_SELECT_ALL
