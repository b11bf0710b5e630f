from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportActionMixin, ImportMixin

from ..imports.records import TargetUserRecordResource
from ..models import TargetUserRecord
from .actions import Confirm, Report, confirmed_action
from .change_page import UserAutocompleteMixin
from .columns import compact_time
from .feedback import RECORD_FIELDS
from .filters import MineFilter
from .guards import GuardedActionsMixin, can_send
from .import_export_admin import LoggedExportMixin, RecordImportMixin
from .pagination import EstimatedCountPaginator
from .provider_status import record_warnings
from .rows import record_rows
from .send_test import send_test_notifications
from .streaming_export import StreamingExportMixin

#: How many skipped records a message names before "and N more".
NAMED = 5


def can_manage_records(user):
    return user.has_perms(
        ["notify_admin.add_targetuserrecord", "notify_admin.change_targetuserrecord"]
    )


def reset_email_targets(users):
    """``TargetUserRecord.reset_email_target`` for each user.

    Returns ``(records, skipped)``: the users' current email records, and
    ``(user, reason)`` pairs for users without a (valid) email address.
    """
    records, skipped = [], []
    for user in users:
        try:
            record = TargetUserRecord.reset_email_target(user)
        except ValidationError as err:
            skipped.append((user, " ".join(err.messages)))
            continue
        if record is None:
            skipped.append((user, gettext("no email address")))
        else:
            records.append(record)
    return records, skipped


def reset_report(records, skipped):
    """The report of "Reset email target" (records and user admins alike)."""
    report = Report().changed(
        records,
        gettext("Reset email target (admin action): address from user.email."),
    )
    report.say(
        ngettext(
            "Email target reset for %(n)d user.",
            "Email target reset for %(n)d users.",
            len(records),
        )
        % {"n": len(records)},
        messages.SUCCESS if records else messages.WARNING,
    )
    if skipped:
        report.say(
            ngettext(
                "Skipped %(n)d user: %(who)s.",
                "Skipped %(n)d users: %(who)s.",
                len(skipped),
            )
            % {
                "n": len(skipped),
                "who": "; ".join(
                    f"{user.get_username()} ({reason})" for user, reason in skipped[:10]
                ),
            },
            messages.WARNING,
        )
    return report


def set_active(queryset, active):
    """Activate or deactivate records; ``modified`` follows (an UPDATE does
    not run ``auto_now``)."""
    verb = gettext("Activate") if active else gettext("Deactivate")
    count = queryset.count()
    # The records left alone, named with why: "already active: ann (Email, ...)".
    left = list(queryset.filter(active=active).select_related("user", "target")[:NAMED])
    to_change = queryset.exclude(active=active)
    changed = list(to_change)
    to_change.update(active=active, modified=timezone.now())
    same = count - len(changed)
    named = "; ".join(
        f"{r.user.get_username()} ({r.target.name}, {r.target_user_id})" for r in left
    )
    if same > NAMED:
        named += " " + gettext("and %(n)d more") % {"n": same - NAMED}
    state = gettext("already active") if active else gettext("already inactive")
    return (
        Report()
        .changed(changed, gettext("%(verb)s (admin action).") % {"verb": verb})
        .say(
            ngettext(
                "%(verb)s: %(n)d record changed",
                "%(verb)s: %(n)d records changed",
                len(changed),
            )
            % {"verb": verb, "n": len(changed)}
            + (
                ngettext(
                    "; %(same)d skipped, %(state)s: %(named)s.",
                    "; %(same)d skipped, %(state)s: %(named)s.",
                    same,
                )
                % {"same": same, "state": state, "named": named}
                if same
                else "."
            ),
            messages.SUCCESS,
        )
    )


@confirmed_action(
    permissions=["reset_email"],
    description=_(
        "Reset email target: the selected records' users get their email "
        "record from their account's email address"
    ),
    confirm=Confirm(
        title=_("Reset email target"),
        question=_(
            "Reset the email record of these records' users from their account's "
            "email address? Open notifications on old email records move to the "
            "new one."
        ),
        submit_label=_("Yes, reset"),
        rows=record_rows,
    ),
)
def reset_email_target(model_admin, request, queryset):
    users = get_user_model().objects.filter(pk__in=queryset.values("user_id"))
    return reset_report(*reset_email_targets(users))


def set_active_action(name, verb, question, active):
    """The Activate / Deactivate action (the same act, either way)."""

    def act(model_admin, request, queryset):
        return set_active(queryset, active)

    act.__name__ = act.__qualname__ = name
    return confirmed_action(
        permissions=["change"],
        description=verb,
        confirm=Confirm(
            title=verb, question=question, submit_label=verb, rows=record_rows
        ),
    )(act)


activate = set_active_action(
    "activate", _("Activate"), _("Activate these target user records?"), True
)
deactivate = set_active_action(
    "deactivate", _("Deactivate"), _("Deactivate these target user records?"), False
)


@confirmed_action(
    permissions=["send"],
    description=_("Send test notification to each selected address"),
    confirm=Confirm(
        title=_("Send test notification"),
        question=_("Send a short test message to each selected address now?"),
        submit_label=_("Yes, send"),
        always=True,
        rows=record_rows,
        warnings=record_warnings,
    ),
)
def send_test_notification(model_admin, request, queryset):
    return send_test_notifications(request, queryset)


@admin.register(TargetUserRecord)
class TargetUserRecordAdmin(
    UserAutocompleteMixin,
    GuardedActionsMixin,
    RecordImportMixin,
    ImportMixin,
    StreamingExportMixin,
    LoggedExportMixin,
    ExportActionMixin,
    admin.ModelAdmin,
):
    # Import: upload, dry-run preview, confirm. Export: the button (filtered
    # list) and the "Export selected" action.
    resource_classes = [TargetUserRecordResource]
    import_export_change_list_template = (
        "admin/import_export/change_list_import_export.html"
    )
    # Keep the console's stylesheet under the import/export buttons.
    change_list_template = "admin/notify_admin/change_list.html"
    list_display = [
        "target_user_id",
        "user",
        "target",
        "description",
        "active",
        "modified_display",
    ]
    list_filter = ["target", "active", MineFilter]
    list_select_related = ["user", "target"]
    search_fields = ["target_user_id", "description", "user__username", "user__email"]
    raw_id_fields = ["user"]
    readonly_fields = RECORD_FIELDS
    user_autocomplete_fields = ["user"]
    # Also the order of the notification form's record picker (autocomplete).
    ordering = ["target_user_id", "pk"]
    show_change_form_export = False
    actions = [reset_email_target, activate, deactivate, send_test_notification]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_search_fields(self, request):
        user_model = get_user_model()
        return [
            "target_user_id",
            "description",
            f"user__{user_model.USERNAME_FIELD}",
            f"user__{user_model.get_email_field_name()}",
        ]

    def has_send_permission(self, request):
        return can_send(request.user)

    @admin.display(description=_("modified"), ordering="modified")
    def modified_display(self, obj):
        return compact_time(obj.modified)

    def get_search_results(self, request, queryset, search_term):
        # The autocomplete picker labels each record with str(record): with
        # its user and target selected, that names the user and the target.
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        return queryset.select_related("user", "target"), may_have_duplicates

    def has_reset_email_permission(self, request):
        return can_manage_records(request.user)
