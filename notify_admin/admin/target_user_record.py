from django.contrib import admin
from import_export.admin import ExportActionMixin, ImportMixin

from ..models import TargetUserRecord
from .import_export_admin import LoggedExportMixin, RecordImportMixin
from .resources import TargetUserRecordResource


@admin.register(TargetUserRecord)
class TargetUserRecordAdmin(
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
    list_display = ["target_user_id", "user", "target", "description", "active"]
    list_filter = ["target", "active"]
    list_select_related = ["user", "target"]
    search_fields = ["target_user_id", "description", "user__username", "user__email"]
    raw_id_fields = ["user"]
