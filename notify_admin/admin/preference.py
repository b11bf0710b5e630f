"""Notification preferences (user x category x channel) in the admin: a
list with filters, CSV import (all or nothing) and export. Each user's grid
is on their own page (``preference_grid``)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportActionMixin, ImportMixin

from ..imports.preferences import (
    PREFERENCE_COLUMNS,
    PREFERENCE_REQUIRED,
    NotificationPreferenceResource,
)
from ..models import NotificationPreference
from .change_page import UserAutocompleteMixin
from .guards import GuardedActionsMixin
from .import_export_admin import LoggedExportMixin, RecordImportForm, RecordImportMixin
from .pagination import EstimatedCountPaginator
from .streaming_export import StreamingExportMixin


class PreferenceImportForm(RecordImportForm):
    columns = PREFERENCE_COLUMNS
    required_columns = PREFERENCE_REQUIRED


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(
    UserAutocompleteMixin,
    GuardedActionsMixin,
    RecordImportMixin,
    ImportMixin,
    StreamingExportMixin,
    LoggedExportMixin,
    ExportActionMixin,
    admin.ModelAdmin,
):
    resource_classes = [NotificationPreferenceResource]
    import_template_name = "admin/notify_admin/notificationpreference/import.html"
    import_form_class = PreferenceImportForm
    import_columns = PREFERENCE_COLUMNS
    import_export_change_list_template = (
        "admin/import_export/change_list_import_export.html"
    )
    change_list_template = "admin/notify_admin/change_list.html"
    list_display = ["user", "category", "target", "enabled", "modified"]
    list_filter = ["category", "target", "enabled"]
    list_select_related = ["user", "category", "target"]
    raw_id_fields = ["user"]
    user_autocomplete_fields = ["user"]
    fields = ["user", "category", "target", "enabled", "created", "modified"]
    readonly_fields = ["created", "modified"]
    ordering = ["-modified", "pk"]
    show_change_form_export = False
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_search_fields(self, request):
        user_model = get_user_model()
        return [
            f"user__{user_model.USERNAME_FIELD}",
            f"user__{user_model.get_email_field_name()}",
            "category__key",
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "category" in form.base_fields:
            form.base_fields["category"].help_text = _(
                "Critical categories are always sent, whatever is chosen here."
            )
        return form
