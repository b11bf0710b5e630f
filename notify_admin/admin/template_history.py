"""A template's versions: the history, one version's page, a diff between
two versions, and restoring an old version as the newest.

Viewing needs the view (or change) permission; restoring needs change, asks
for confirmation, adds a version ("Restored version N.") and logs it.
"""

import difflib
import json

from django.contrib import messages
from django.contrib.admin.models import CHANGE
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from ..models import NotificationTemplateVersion
from ..models.template_version import FIELD_LABELS
from ..rendering.content import CONTENT_FIELDS
from .actions import log
from .template_preview import render_panel

VERSIONS_PER_PAGE = 100
#: Lines of each side a diff compares (a longer text is cut, and says so).
DIFF_MAX_LINES = 3000
DIFF_CONTEXT = 3
TEMPLATES = "admin/notify_admin/notificationtemplate/"


def urls(model_admin, view):
    info = model_admin.opts.app_label, model_admin.opts.model_name
    return [
        path(
            "<path:object_id>/versions/",
            view(versions_view),
            name="{}_{}_versions".format(*info),
        ),
        path(
            "<path:object_id>/versions/diff/",
            view(diff_view),
            name="{}_{}_diff".format(*info),
        ),
        path(
            "<path:object_id>/versions/<int:number>/",
            view(version_view),
            name="{}_{}_version".format(*info),
        ),
        path(
            "<path:object_id>/versions/<int:number>/restore/",
            view(restore_view),
            name="{}_{}_restore".format(*info),
        ),
    ]


def _template(model_admin, request, object_id, *, change=False):
    obj = model_admin.get_object(request, object_id)
    if obj is None:
        raise Http404(_("No such message template."))
    allowed = (
        model_admin.has_change_permission(request, obj)
        if change
        else model_admin.has_view_or_change_permission(request, obj)
    )
    if not allowed:
        raise PermissionDenied
    return obj


def _context(model_admin, request, obj, title, **extra):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": obj,
        "title": title,
        "has_change_permission": model_admin.has_change_permission(request, obj),
        "media": model_admin.media,
        **extra,
    }


def versions_view(model_admin, request, object_id):
    obj = _template(model_admin, request, object_id)
    versions = obj.versions.select_related("created_by").order_by("-number")
    page = Paginator(versions, VERSIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page)
    current = {v.pk for v in obj.current_versions().values()}
    previous = _previous_numbers(obj)
    context = _context(
        model_admin,
        request,
        obj,
        _("Versions of %(name)s") % {"name": obj},
        page=page,
        rows=[
            {
                "version": version,
                "current": version.pk in current,
                "previous": previous.get(version.number),
            }
            for version in rows
        ],
    )
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, TEMPLATES + "versions.html", context)


def _previous_numbers(obj):
    """``{number: the number of the same language's version before it}``."""
    last, previous = {}, {}
    for number, language in obj.versions.order_by("number").values_list(
        "number", "language"
    ):
        previous[number] = last.get(language)
        last[language] = number
    return previous


def _version(obj, number):
    try:
        return obj.versions.select_related("created_by").get(number=number)
    except (NotificationTemplateVersion.DoesNotExist, ValueError, OverflowError):
        raise Http404(_("No such version.")) from None


def version_view(model_admin, request, object_id, number):
    obj = _template(model_admin, request, object_id)
    version = _version(obj, number)
    current = obj.current_versions().get(version.language)
    context = _context(
        model_admin,
        request,
        obj,
        _("%(name)s, version %(number)d") % {"name": obj, "number": version.number},
        version=version,
        is_current=current is not None and current.pk == version.pk,
        current=current,
        fields=_fields(version),
        preview=render_panel(
            version.content(),
            obj.example_personalisation
            if isinstance(obj.example_personalisation, dict)
            else {},
            request.user,
            version.language,
            label=obj.name,
        ),
    )
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, TEMPLATES + "version.html", context)


def _fields(version):
    return [
        {"label": FIELD_LABELS[name], "value": _as_text(name, getattr(version, name))}
        for name in CONTENT_FIELDS
    ]


def _as_text(name, value):
    if name == "push_data":
        return json.dumps(value or {}, ensure_ascii=False, indent=1, sort_keys=True)
    if name == "allow_long_sms":
        return _("yes") if value else _("no")
    return value or ""


def diff_view(model_admin, request, object_id):
    obj = _template(model_admin, request, object_id)
    numbers = []
    for key in ("from", "to"):
        try:
            numbers.append(int(request.GET.get(key, "")))
        except ValueError:
            messages.error(request, _("Choose two versions to compare."))
            return HttpResponseRedirect(_versions_url(model_admin, obj))
    old, new = (_version(obj, number) for number in numbers)
    context = _context(
        model_admin,
        request,
        obj,
        _("%(name)s: version %(old)d → %(new)d")
        % {"name": obj, "old": old.number, "new": new.number},
        old=old,
        new=new,
        fields=diff_fields(old, new),
    )
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, TEMPLATES + "diff.html", context)


def diff_fields(old, new):
    """Per content field: unchanged, or the changed lines with some context."""
    fields = []
    for name in CONTENT_FIELDS:
        a = _as_text(name, getattr(old, name)).splitlines()
        b = _as_text(name, getattr(new, name)).splitlines()
        entry = {"label": FIELD_LABELS[name], "changed": a != b, "lines": []}
        if a != b:
            entry["cut"] = len(a) > DIFF_MAX_LINES or len(b) > DIFF_MAX_LINES
            entry["lines"] = diff_lines(a[:DIFF_MAX_LINES], b[:DIFF_MAX_LINES])
        fields.append(entry)
    return fields


def diff_lines(a, b):
    """``[(kind, text)]``: kind is ``" "``, ``"-"``, ``"+"`` or ``"…"``."""
    lines = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=True)
    for group in matcher.get_grouped_opcodes(DIFF_CONTEXT):
        if lines:
            lines.append(("…", ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [(" ", line) for line in a[i1:i2]]
                continue
            lines += [("-", line) for line in a[i1:i2]]
            lines += [("+", line) for line in b[j1:j2]]
    return lines


def _versions_url(model_admin, obj):
    info = model_admin.opts.app_label, model_admin.opts.model_name
    return reverse(
        "admin:{}_{}_versions".format(*info),
        args=[obj.pk],
        current_app=model_admin.admin_site.name,
    )


def restore_view(model_admin, request, object_id, number):
    obj = _template(model_admin, request, object_id, change=True)
    version = _version(obj, number)
    if request.method != "POST":
        context = _context(
            model_admin,
            request,
            obj,
            _("Restore version %(number)d") % {"number": version.number},
            version=version,
        )
        request.current_app = model_admin.admin_site.name
        return TemplateResponse(request, TEMPLATES + "restore.html", context)
    restored = obj.save_content(
        version.content(),
        version.language,
        user=request.user,
        message=_("Restored version %(number)d.") % {"number": version.number},
    )
    if restored is None:
        messages.info(
            request,
            _("Version %(number)d is the current %(language)s content already.")
            % {"number": version.number, "language": version.language},
        )
    else:
        log(
            request,
            [obj],
            CHANGE,
            _("Restored version %(old)d as version %(new)d (%(language)s).")
            % {
                "old": version.number,
                "new": restored.number,
                "language": restored.language,
            },
        )
        messages.success(
            request,
            _("Version %(old)d restored as version %(new)d.")
            % {"old": version.number, "new": restored.number},
        )
    return HttpResponseRedirect(_versions_url(model_admin, obj))
