from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportActionMixin, ImportMixin

from ..models import TargetUserRecord
from .actions import (
    GuardedActionsMixin,
    can_send,
    is_confirmed,
    log_change,
    needs_confirmation,
    render_action_page,
)
from .feedback import RECORD_FIELDS
from .filters import MineFilter
from .import_export_admin import LoggedExportMixin, RecordImportMixin
from .pagination import EstimatedCountPaginator
from .resources import TargetUserRecordResource
from .send_test import send_test_notifications


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


def report_reset(model_admin, request, records, skipped):
    log_change(
        request,
        records,
        gettext("Reset email target (admin action): address from user.email."),
    )
    model_admin.message_user(
        request,
        gettext("Email target reset for %(n)d users.") % {"n": len(records)},
        messages.SUCCESS if records else messages.WARNING,
    )
    if skipped:
        model_admin.message_user(
            request,
            gettext("Skipped %(n)d users: %(who)s.")
            % {
                "n": len(skipped),
                "who": "; ".join(
                    f"{user.get_username()} ({reason})" for user, reason in skipped[:10]
                ),
            },
            messages.WARNING,
        )


@admin.register(TargetUserRecord)
class TargetUserRecordAdmin(
    GuardedActionsMixin,
    RecordImportMixin,
    ImportMixin,
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
        "modified",
    ]
    list_filter = ["target", "active", MineFilter]
    list_select_related = ["user", "target"]
    search_fields = ["target_user_id", "description", "user__username", "user__email"]
    raw_id_fields = ["user"]
    readonly_fields = RECORD_FIELDS
    actions = [
        "reset_email_target",
        "activate",
        "deactivate",
        "send_test_notification",
    ]
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

    def has_reset_email_permission(self, request):
        return can_manage_records(request.user)

    @admin.action(
        permissions=["reset_email"],
        description=_(
            "Reset email target: the selected records' users get their email "
            "record from their account's email address"
        ),
    )
    def reset_email_target(self, request, queryset):
        users = get_user_model().objects.filter(pk__in=queryset.values("user_id"))
        count = users.count()
        if needs_confirmation(request, count):
            return render_action_page(
                self,
                request,
                queryset.select_related("user"),
                title=gettext("Reset email target"),
                question=gettext(
                    "Reset the email record of %(n)d users from their account's "
                    "email address? Open notifications on old email records move "
                    "to the new one."
                )
                % {"n": count},
                submit_label=gettext("Yes, reset"),
            )
        records, skipped = reset_email_targets(users)
        report_reset(self, request, records, skipped)
        return None

    @admin.action(permissions=["change"], description=_("Activate"))
    def activate(self, request, queryset):
        return self._set_active(request, queryset, True)

    @admin.action(
        permissions=["change"],
        description=_("Deactivate"),
    )
    def deactivate(self, request, queryset):
        return self._set_active(request, queryset, False)

    def _set_active(self, request, queryset, active):
        verb = gettext("Activate") if active else gettext("Deactivate")
        count = queryset.count()
        if needs_confirmation(request, count):
            return render_action_page(
                self,
                request,
                queryset.select_related("user"),
                count=count,
                title=verb,
                question=gettext("%(verb)s these target user records?")
                % {"verb": verb},
                submit_label=verb,
            )
        to_change = queryset.exclude(active=active)
        changed = list(to_change)
        to_change.update(active=active)
        log_change(
            request,
            changed,
            gettext("%(verb)s (admin action).") % {"verb": verb},
        )
        self.message_user(
            request,
            gettext("%(verb)s: %(n)d records changed, %(same)d already so.")
            % {"verb": verb, "n": len(changed), "same": count - len(changed)},
            messages.SUCCESS,
        )
        return None

    @admin.action(
        permissions=["send"],
        description=_("Send test notification to each selected address"),
    )
    def send_test_notification(self, request, queryset):
        if not is_confirmed(request):
            return render_action_page(
                self,
                request,
                queryset.select_related("user"),
                title=gettext("Send test notification"),
                question=gettext(
                    "Send a short test message to each selected address now?"
                ),
                submit_label=gettext("Yes, send"),
            )
        return send_test_notifications(self, request, queryset)
