"""The live preview of a message template: each channel's message, rendered
from the example personalisation as a recipient would get it.

Every part goes through the notification change page's own preview include
(``admin/notify_admin/includes/preview.html``): values escaped, the email's
HTML in a sandboxed frame's ``srcdoc``, its source as text. The change page
renders the panel with the page; ``static/notify_admin/js/template_preview.js``
posts the form to :func:`preview_view` as staff type and swaps in the panel
it returns (JSON: ``{"html": panel, "errors": {field: [message]}}``), so no
script is ever written into the page.
"""

import json

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from ..rendering import EMAIL, PUSH, SMS, render_all
from ..rendering.checks import errors_by_field

PANEL_TEMPLATE = "admin/notify_admin/notificationtemplate/preview_panel.html"
PREVIEW_INCLUDE = "admin/notify_admin/includes/preview.html"
PART_NAMES = {EMAIL: _("Email"), SMS: _("SMS"), PUSH: _("Push")}


def part_preview(message):
    """``(preview, extra_items)`` for the include, from a Rendered part: the
    message, then what each channel that sends it says of its size."""
    if message.part == EMAIL:
        preview = {
            "subject": message.title,
            "body": message.body,
            "html": message.extra.get("html"),
        }
    elif message.part == SMS:
        preview = {"body": message.body}
    else:
        preview = {"title": message.title, "body": message.body}
    items = []
    if message.extra.get("data") is not None:
        items.append(
            (_("data"), json.dumps(message.extra["data"], ensure_ascii=False, indent=1))
        )
    items += [(_("size"), size.summary) for size in message.sizes.values()]
    return preview, items


def panel_parts(content, examples, user, label=""):
    """One entry per channel part: its rendered preview or its problems."""
    rendered, problems = render_all(content, examples, user=user, label=label)
    parts = []
    for part in (EMAIL, SMS, PUSH):
        entry = {"part": part, "name": PART_NAMES[part]}
        if part in rendered:
            preview, items = part_preview(rendered[part])
            entry["html"] = render_to_string(
                PREVIEW_INCLUDE, {"preview": preview, "extra_items": items}
            )
        elif part in problems:
            entry["problems"] = [problem.message for problem in problems[part]]
        else:
            entry["absent"] = True
        parts.append(entry)
    return parts


def render_panel(content, examples, user, language, label="", problems=()):
    return render_to_string(
        PANEL_TEMPLATE,
        {
            "parts": panel_parts(content, examples, user, label),
            "language": language,
            "content_problems": list(problems),
        },
    )


def preview_view(model_admin, request, object_id=None):
    """POST the change form here: the preview panel and the errors by field."""
    obj = None
    if object_id is not None:
        obj = model_admin.get_object(request, object_id)
        if obj is None or not model_admin.has_view_or_change_permission(request, obj):
            raise PermissionDenied
    elif not model_admin.has_add_permission(request):
        raise PermissionDenied
    if request.method != "POST":
        return JsonResponse({"error": _("POST the form to preview it.")}, status=405)
    form_class = model_admin.get_form(request, obj, change=obj is not None)
    form = form_class(request.POST, instance=obj, user=request.user)
    valid = form.is_valid()
    errors = (
        {}
        if valid
        else {
            field: [str(message) for message in messages]
            for field, messages in form.errors.items()
        }
    )
    content = form.preview_content()
    examples = form.cleaned_data.get("example_personalisation") or {}
    whole = errors_by_field(p for p in form.problems if not p.field).get("", [])
    html = render_panel(
        content,
        examples,
        request.user,
        form.cleaned_data.get("language") or "",
        label=form.cleaned_data.get("name") or (obj.name if obj else ""),
        problems=whole,
    )
    return JsonResponse({"html": html, "errors": errors})
