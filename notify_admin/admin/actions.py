"""One shape for every notify_admin admin action: confirm, act, report, log.

An action is written as a function that only *acts* and returns a
:class:`Report`; :func:`confirmed_action` wraps it in the rest, as Django's
``delete_selected`` does:

1. permissions, through ``@admin.action(permissions=[...])``;
2. a confirmation page (always before a send, above ``CONFIRM_ABOVE`` rows for
   other changes, until valid for actions that ask for input). It lists each
   row with its user and address and any warnings (e.g. a provider that is not
   configured) and re-posts the same selection with ``confirm=yes``, so
   Django's own action machinery and CSRF run again;
3. the act itself;
4. one admin-log entry per object the act changed or added, each with the
   message the act gives it (a row's own outcome, not the batch's totals);
5. the messages (plural forms through ``ngettext`` in the act), and the act's
   response if it has one (a result page), else back to the changelist.

The confirmation template can be overridden per model, as for
``delete_selected``: set ``<action name>_confirmation_template`` on the
ModelAdmin, or add ``admin/<app>/<model>/<action name>_confirmation.html`` or
``admin/<app>/<action name>_confirmation.html`` to a template directory.
"""

import functools
from dataclasses import dataclass, field

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.messages import SUCCESS
from django.template.response import TemplateResponse

from .guards import posted_action_name

# A bulk change of more rows than this is confirmed on an intermediate page.
CONFIRM_ABOVE = 10
# How many of the selected objects the intermediate page lists.
SAMPLE_SIZE = 20
DEFAULT_TEMPLATE = "admin/notify_admin/action_confirmation.html"


@dataclass
class Confirm:
    """What the confirmation page of an action says and asks.

    ``always``: confirm every time (sends), not only above ``CONFIRM_ABOVE``
    rows. ``form``: a form class (or a callable ``(model_admin, request,
    queryset, data) -> form``) whose valid data the act needs; the act then
    gets the bound form as a fourth argument. ``rows``: ``queryset ->
    (headers, rows)`` for the list of selected objects. ``warnings``:
    ``(model_admin, request, queryset) -> [text]`` shown above the button.
    """

    title: str
    question: str
    submit_label: str
    notes: tuple = ()
    always: bool = False
    form: object = None
    rows: object = None
    warnings: object = None


@dataclass
class Report:
    """What an act did: the messages to show and the log entries to write.

    ``logs`` holds ``(objects, ADDITION or CHANGE, message)`` groups;
    ``messages`` holds ``(text, level)`` pairs; ``response`` (a result page or
    a redirect) replaces the return to the changelist.
    """

    messages: list = field(default_factory=list)
    logs: list = field(default_factory=list)
    response: object = None

    def say(self, text, level=SUCCESS):
        self.messages.append((text, level))
        return self

    def changed(self, objects, message):
        self.logs.append((list(objects), CHANGE, message))
        return self

    def added(self, objects, message):
        self.logs.append((list(objects), ADDITION, message))
        return self


def confirmed_action(*, description, permissions, confirm):
    """Decorate an act ``(model_admin, request, queryset[, form]) -> Report``
    as an admin action that confirms, acts, logs and reports."""

    def decorate(act):
        @functools.wraps(act)
        def action(model_admin, request, queryset):
            form = None
            if confirm.form is not None:
                data = request.POST if is_confirmed(request) else None
                form = confirm.form(model_admin, request, queryset, data)
                if not form.is_valid():
                    return render_confirmation(
                        model_admin, request, queryset, confirm, form=form
                    )
            elif not is_confirmed(request):
                count = queryset.count()
                if confirm.always or count > CONFIRM_ABOVE:
                    return render_confirmation(
                        model_admin, request, queryset, confirm, count=count
                    )
            args = (model_admin, request, queryset)
            report = act(*args, form) if form is not None else act(*args)
            return finish(model_admin, request, report)

        return admin.action(permissions=permissions, description=description)(action)

    return decorate


def is_confirmed(request):
    return request.POST.get("confirm") == "yes"


def finish(model_admin, request, report):
    """Write the report's admin-log entries and messages; return its response."""
    for objects, flag, message in report.logs:
        log(request, objects, flag, message)
    for text, level in report.messages:
        model_admin.message_user(request, text, level)
    return report.response


def log(request, objects, flag, message):
    objects = list(objects)
    if objects:
        LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=objects,
            action_flag=flag,
            change_message=message,
        )
    return len(objects)


def confirmation_templates(model_admin, name):
    """The confirmation page's template list, most specific first."""
    override = getattr(model_admin, f"{name}_confirmation_template", None)
    if override:
        return override
    opts = model_admin.model._meta
    return [
        f"admin/{opts.app_label}/{opts.model_name}/{name}_confirmation.html",
        f"admin/{opts.app_label}/{name}_confirmation.html",
        DEFAULT_TEMPLATE,
    ]


def plain_rows(queryset):
    """The default list of selected objects: their names."""
    opts = queryset.model._meta
    return [opts.verbose_name.capitalize()], [[obj] for obj in queryset[:SAMPLE_SIZE]]


def render_confirmation(
    model_admin, request, queryset, confirm, *, form=None, count=None
):
    """The intermediate page of an action: what is selected (each row with its
    user and address), warnings, an optional form laid out as Django's change
    form does, and a button that re-posts the same selection."""
    opts = model_admin.model._meta
    count = queryset.count() if count is None else count
    headers, rows = (confirm.rows or plain_rows)(queryset)
    name = posted_action_name(request)
    warnings = (
        confirm.warnings(model_admin, request, queryset) if confirm.warnings else []
    )
    media = model_admin.media
    admin_form = None
    if form is not None:
        admin_form = helpers.AdminForm(
            form, [(None, {"fields": list(form.fields)})], {}, model_admin=model_admin
        )
        media = media + admin_form.media
    context = {
        **model_admin.admin_site.each_context(request),
        "title": confirm.title,
        "question": confirm.question,
        "submit_label": confirm.submit_label,
        "notes": confirm.notes,
        "warnings": warnings,
        "form": form,
        "adminform": admin_form,
        "count": count,
        "headers": headers,
        "rows": rows,
        "more": max(count - SAMPLE_SIZE, 0),
        "opts": opts,
        "action_name": name,
        "select_across": request.POST.get("select_across") == "1",
        # Django wants the ticked rows even with select_across (it then acts
        # on the whole filtered list, whose filters are in the URL we post to).
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": media,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, confirmation_templates(model_admin, name), context)
