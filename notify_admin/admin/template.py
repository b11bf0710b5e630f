"""The admin of message templates: list, change page with a live preview per
channel and language, version history and diff, restore, "Send test to me",
and JSON/CSV import and export.

Permissions: viewing (``view_notificationtemplate``), changing (``add_`` /
``change_``) and sending a test to oneself (``send_test_notificationtemplate``)
are separate; import and export have their own (``import_`` / ``export_``).
"""

from urllib.parse import urlencode

from django.conf import global_settings, settings
from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from ..imports.templates import NotificationTemplateResource
from ..models import Notification, NotificationTemplate, NotificationTemplateVersion
from ..rendering import content_of, parts_of
from ..rendering.content import CONTENT_FIELDS
from ..rendering.languages import choose, normalise
from . import template_history, template_send_test
from .category import critical_badge
from .guards import GuardedActionsMixin
from .import_export_admin import LoggedExportMixin
from .template_forms import NotificationTemplateForm, language_choices, version_language
from .template_import import TemplateImportMixin
from .template_preview import preview_view, render_panel

PART_LABELS = {"email": _("email"), "sms": _("SMS"), "push": _("push")}
CONTENT_FIELDSET = [
    "language",
    "email_subject",
    "email_text",
    "email_html",
    "sms_text",
    "allow_long_sms",
    "push_title",
    "push_body",
    "push_data",
    "change_message",
]


def current_versions(template_ids):
    """``{template_id: {language: newest version}}`` in one query."""
    found = {}
    rows = NotificationTemplateVersion.objects.filter(
        template_id__in=list(template_ids)
    ).order_by("template_id", "language", "-number")
    for version in rows.only(
        "id", "template_id", "language", "number", *CONTENT_FIELDS
    ):
        found.setdefault(version.template_id, {}).setdefault(version.language, version)
    return found


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(
    GuardedActionsMixin,
    TemplateImportMixin,
    LoggedExportMixin,
    ImportExportMixin,
    admin.ModelAdmin,
):
    form = NotificationTemplateForm
    resource_classes = [NotificationTemplateResource]
    change_form_template = "admin/notify_admin/notificationtemplate/change_form.html"
    list_display = [
        "name",
        "key",
        "category_display",
        "channels_display",
        "languages_display",
        "modified",
    ]
    search_fields = ["key", "name", "description"]
    list_filter = ["category"]
    list_select_related = ["category"]
    ordering = ["name", "key"]
    # Deleting is from the change page, and only for a template never sent.
    actions = None
    show_change_form_export = False

    class Media:
        js = ["notify_admin/js/template_preview.js"]
        css = {"all": ["notify_admin/css/templates.css"]}

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["key", "name", "description", "category"]}),
            (_("Content"), {"fields": CONTENT_FIELDSET}),
            (
                _("Preview"),
                {
                    "fields": ["example_personalisation"],
                    "description": _(
                        "Example values for the placeholders, as a JSON object; "
                        "the preview beside the form is rendered from them."
                    ),
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        # Code and files name a template by its key: fixed once created.
        return ["key"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return True
        return not Notification.objects.filter(template_version__template=obj).exists()

    def has_send_test_permission(self, request, obj=None):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.send_test_{opts.model_name}")

    # -- the list -----------------------------------------------------------

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        versions = current_versions(obj.pk for obj in changelist.result_list)
        for obj in changelist.result_list:
            obj._na_current = versions.get(obj.pk, {})
        return changelist

    @admin.display(description=_("category"), ordering="category__name")
    def category_display(self, obj):
        """The category (critical ones marked), or the default one."""
        if obj.category is None:
            return gettext("(default)")
        return format_html("{} {}", obj.category.name, critical_badge(obj.category))

    @admin.display(description=_("channels"))
    def channels_display(self, obj):
        current = getattr(obj, "_na_current", None)
        if current is None:
            current = obj.current_versions()
        chosen = choose(set(current), version_language())
        if chosen is None:
            return "-"
        parts = parts_of(content_of(current[chosen]))
        return ", ".join(str(PART_LABELS[p]) for p in parts) or "-"

    @admin.display(description=_("languages"))
    def languages_display(self, obj):
        current = getattr(obj, "_na_current", None)
        if current is None:
            current = obj.current_versions()
        return (
            format_html_join(
                ", ",
                "{} (v{})",
                ((code, v.number) for code, v in sorted(current.items())),
            )
            or "-"
        )

    # -- the change page ------------------------------------------------------

    def editing(self, request, obj):
        """``(language, version to prefill, current versions)`` for the page
        (worked out once per request: the admin asks several times)."""
        cache = request.__dict__.setdefault("_na_editing", {})
        key = getattr(obj, "pk", None)
        if key not in cache:
            cache[key] = self._editing(request, obj)
        return cache[key]

    def _editing(self, request, obj):
        current = obj.current_versions() if obj is not None else {}
        asked = normalise(request.GET.get("language") or request.POST.get("language"))
        codes = {code for code, _name in language_choices(current)}
        if asked not in codes:
            asked = None
        if asked is None:
            default = version_language()
            asked = default if default in current or not current else None
            asked = asked or choose(set(current), default) or default
        prefill_code = asked if asked in current else choose(set(current), asked)
        return asked, current.get(prefill_code), current

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # What the read-only page (view permission only) shows for the
            # content fields: the version being looked at.
            language, version, _current = self.editing(request, obj)
            obj.language = language
            for name in CONTENT_FIELDS:
                setattr(obj, name, getattr(version, name) if version else "")
        return obj

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        language, version, _current = self.editing(request, obj)

        class TemplateForm(form_class):
            def __init__(self, *args, **options):
                options.setdefault("language", language)
                options.setdefault("version", version)
                options.setdefault("user", request.user)
                super().__init__(*args, **options)

        return TemplateForm

    def render_change_form(self, request, context, add=False, change=False, **kw):
        obj = kw.get("obj")
        language, prefill, current = self.editing(request, obj)
        form = context["adminform"].form
        context.update(
            self.page_context(request, obj, form, language, prefill, current)
        )
        return super().render_change_form(request, context, add, change, **kw)

    def page_context(self, request, obj, form, language, prefill, current):
        if form.is_bound and hasattr(form, "cleaned_data"):
            content = form.preview_content()
            examples = form.cleaned_data.get("example_personalisation")
        else:
            content = prefill.content() if prefill is not None else {}
            examples = obj.example_personalisation if obj is not None else {}
        if not isinstance(examples, dict):
            examples = {}
        info = self.opts.app_label, self.opts.model_name
        preview_url = (
            reverse(f"admin:{info[0]}_{info[1]}_preview_change", args=[obj.pk])
            if obj is not None
            else reverse(f"admin:{info[0]}_{info[1]}_preview_add")
        )
        return {
            "na_language": language,
            "na_prefilled_from": (
                prefill.language if prefill and prefill.language != language else None
            ),
            "na_languages": self.languages_panel(request, obj, current),
            "na_language_choices": language_choices(current),
            "na_preview_url": preview_url,
            "na_preview": render_panel(
                content,
                examples,
                request.user,
                language,
                label=obj.name if obj else "",
            ),
            "na_notifications_url": (
                reverse("admin:notify_admin_notification_changelist")
                + "?"
                + urlencode({"template_version__template__id__exact": obj.pk})
                if obj is not None
                else None
            ),
            "na_can_send_test": obj is not None
            and self.has_send_test_permission(request, obj)
            and bool(current),
        }

    def languages_panel(self, request, obj, current):
        """Which languages have a version, and where the others fall back."""
        default = version_language()
        own = [
            {
                "code": code,
                "version": version,
                "url": "?" + urlencode({"language": code}),
            }
            for code, version in sorted(current.items())
        ]
        fallback = []
        if site_lists_languages():
            for code, name in language_choices():
                if code not in current:
                    to = choose(set(current), code)
                    fallback.append({"code": code, "name": name, "to": to})
        return {
            "own": own,
            "fallback": fallback,
            "default": default,
            "default_to": choose(set(current), default),
        }

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        request._na_version = obj.save_content(
            form.content(),
            form.cleaned_data["language"],
            user=request.user,
            message=form.cleaned_data.get("change_message") or "",
        )

    def construct_change_message(self, request, form, formsets, add=False):
        version = getattr(request, "_na_version", None)
        if version is None:
            return super().construct_change_message(request, form, formsets, add)
        return gettext("Saved version %(number)d (%(language)s): %(change)s") % {
            "number": version.number,
            "language": version.language,
            "change": version.change_message,
        }

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        language = normalise(request.POST.get("language"))
        if "_continue" in request.POST and language and response.status_code == 302:
            response["Location"] += ("&" if "?" in response["Location"] else "?") + (
                urlencode({"language": language})
            )
        return response

    # -- extra pages ------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view

        def view(func):
            return wrap(
                lambda request, *args, **kwargs: func(self, request, *args, **kwargs)
            )

        return [
            path(
                "preview/", view(preview_view), name="{}_{}_preview_add".format(*info)
            ),
            path(
                "<path:object_id>/preview/",
                view(preview_view),
                name="{}_{}_preview_change".format(*info),
            ),
            *template_history.urls(self, view),
            path(
                "<path:object_id>/send-test/",
                view(template_send_test.send_test_view),
                name="{}_{}_send_test".format(*info),
            ),
            *super().get_urls(),
        ]


def site_lists_languages():
    """Whether the site set its own LANGUAGES (then each one's fallback is
    listed), rather than Django's hundred defaults (then summed up)."""
    return settings.LANGUAGES != global_settings.LANGUAGES


def version_link(version):
    """A link to a version's page (the notification change page uses it)."""
    if version is None:
        return "-"
    url = reverse(
        "admin:notify_admin_notificationtemplate_version",
        args=[version.template_id, version.number],
    )
    return format_html(
        '<a href="{}">{} · v{} ({})</a>',
        url,
        version.template.name,
        version.number,
        version.language,
    )
