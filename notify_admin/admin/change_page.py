"""The notification change page: action buttons, read-only status, pickers.

- "Send now" and "Retry" buttons post the changelist action of the same name
  with this one row selected (``_selected_action=<pk>``), so they run through
  the very same permission checks, confirmation page, engine and claims as
  the actions; a button is shown only to those allowed to run its action and
  only on a row the action would act on.
- Once a row has been attempted, what was sent and its delivery record
  (``LOCKED_FIELDS``) are read-only, and the page says why: the engine and the
  actions change its state, not a hand edit; only the retry settings stay
  editable. A row staff cancelled shows "Cancelled by <user> at <time>" as
  its status, read-only (Undo cancel puts it back).
- Users and records are picked by autocomplete, when the admin site can serve
  it (the related ModelAdmin is registered and has ``search_fields``).
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import Notification
from .display import cancellation_text, is_cancelled, status_label, when
from .guards import action_name

CLOSED_STATUSES = (Notification.DELIVERED, Notification.OPTED_OUT)
#: What was sent and its delivery record: read-only once a row was attempted.
LOCKED_FIELDS = (
    "user_target",
    "title",
    "body",
    "extra",
    "status",
    "scheduled_delivery",
    "attempted_delivery",
    "retry_attempts",
)
#: Shown in place of the status field once the status is read-only.
STATUS_SHOWN = "status_shown"

#: (action names, in order of preference; label; does the action apply to a row)
BUTTONS = [
    (("send_now",), _("Send now"), lambda row: row.status not in CLOSED_STATUSES),
    (
        ("retry_failed", "retry"),
        _("Retry"),
        lambda row: row.status in Notification.FAILED_STATUSES,
    ),
]


def change_page_buttons(model_admin, request, obj):
    """``[{"action", "label"}]``: the buttons for ``obj`` and this user."""
    if obj is None or obj.pk is None:
        return []
    available = {
        action_name(found)
        for found in (model_admin.get_action(a) for a in model_admin.actions or ())
        if found
    } & set(model_admin.get_actions(request))
    buttons = []
    for names, label, applies in BUTTONS:
        name = next((n for n in names if n in available), None)
        if name and applies(obj):
            buttons.append({"action": name, "label": label})
    return buttons


def can_autocomplete(site, model):
    """Whether ``site`` serves autocomplete for ``model`` (Django needs its
    ModelAdmin registered there, with search fields)."""
    if not site.is_registered(model):
        return False
    return bool(site.get_model_admin(model).search_fields)


class UserAutocompleteMixin:
    """Mix into a ModelAdmin before ``admin.ModelAdmin``; keep the fields in
    ``raw_id_fields`` too, for sites whose user admin cannot autocomplete."""

    #: Foreign keys to the user model shown as autocomplete pickers when the
    #: site's user admin allows it (raw-id inputs otherwise).
    user_autocomplete_fields = ()

    def get_autocomplete_fields(self, request):
        fields = list(super().get_autocomplete_fields(request))
        if self.user_autocomplete_fields and can_autocomplete(
            self.admin_site, get_user_model()
        ):
            fields += [f for f in self.user_autocomplete_fields if f not in fields]
        return fields


class NotificationChangePageMixin:
    """Mix into the notification ModelAdmin before ``admin.ModelAdmin``."""

    change_form_template = "admin/notify_admin/notification/change_form.html"
    # import-export's "Export" box under the form: the changelist exports.
    show_change_form_export = False

    def render_change_form(self, request, context, add=False, change=False, **kw):
        obj = kw.get("obj")
        context["notify_buttons"] = (
            change_page_buttons(self, request, obj) if change else []
        )
        context["notify_locked"] = locked_reason(obj) if change and obj else ""
        context["notify_changelist_url"] = reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_"
            f"{self.opts.model_name}_changelist"
        )
        return super().render_change_form(request, context, add, change, **kw)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return fields
        locked = []
        if has_been_attempted(obj):
            locked = LOCKED_FIELDS
        elif is_cancelled(obj):
            locked = ("status",)
        fields += [f for f in locked if f not in fields]
        if locked:
            fields.append(STATUS_SHOWN)
        return fields

    def get_fields(self, request, obj=None):
        """The status in words (who cancelled, when) where the status field
        was, once it is read-only."""
        fields = list(super().get_fields(request, obj))
        if STATUS_SHOWN not in fields:
            return fields
        # The form's own order, read-only fields included, then the rest.
        order = [STATUS_SHOWN if f == "status" else f for f in self.form._meta.fields]
        present = set(fields)
        ordered = [f for f in order if f in present]
        return ordered + [f for f in fields if f not in ordered and f != "status"]

    @admin.display(description=_("status"))
    def status_shown(self, obj):
        label = status_label(obj)
        detail = cancellation_text(obj) if is_cancelled(obj) else ""
        code = "CANCELLED" if is_cancelled(obj) else obj.status
        if detail:
            return format_html(
                '<span class="na-status na-status--{}">{}</span> {}',
                code,
                label,
                detail,
            )
        return format_html(
            '<span class="na-status na-status--{}">{}</span>', code, label
        )


def locked_reason(notification):
    """Why the change page shows some fields read-only ("" when none is)."""
    if has_been_attempted(notification):
        last = notification.attempted_delivery
        text = gettext(
            "This notification has been attempted%(last)s: what was sent and its "
            "delivery record stay as they were, read-only. Its state changes "
            "only through the actions (Send now, Retry, Reschedule, Cancel); "
            "only the retry settings can be edited here."
        ) % {
            "last": gettext(" (last on %(when)s)") % {"when": when(last)}
            if last
            else ""
        }
        if is_cancelled(notification):
            text = f"{cancellation_text(notification)}. {text}"
        return text
    if is_cancelled(notification):
        return gettext(
            "%(cancelled)s. Its status stays until “Undo cancel” puts it back."
        ) % {"cancelled": cancellation_text(notification)}
    return ""


def has_been_attempted(notification):
    """An attempted delivery time, or any DeliveryAttempt row (at most one
    query per object: the admin asks for the read-only fields several times)."""
    if not hasattr(notification, "_na_attempted"):
        notification._na_attempted = (
            notification.attempted_delivery is not None
            or notification.attempts.exists()
        )
    return notification._na_attempted
