from django.contrib import admin

from ..models import TargetUserRecord


@admin.register(TargetUserRecord)
class TargetUserRecordAdmin(admin.ModelAdmin):
    list_display = ["target_user_id", "user", "target", "description", "active"]
    list_filter = ["target", "active"]
    list_select_related = ["user", "target"]
    search_fields = ["target_user_id", "description", "user__username", "user__email"]
    raw_id_fields = ["user"]
