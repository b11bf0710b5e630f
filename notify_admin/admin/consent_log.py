"""What recipients did themselves, read-only: their consent changes (one-click
unsubscribe, preference page, SMS STOP / START) and the inbound SMS."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from ..models import ConsentChange, InboundMessage
from .guards import GuardedActionsMixin


class ReadOnlyAdmin(GuardedActionsMixin, admin.ModelAdmin):
    """Rows written by the system for staff to read; nothing is edited."""

    actions = None
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentChange)
class ConsentChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "via", "category", "target", "enabled", "detail"]
    list_filter = [
        "via",
        "enabled",
        "category",
        "target",
        ("at", admin.DateFieldListFilter),
    ]
    list_select_related = ["user", "category", "target"]
    date_hierarchy = None

    def get_search_fields(self, request):
        user_model = get_user_model()
        return [
            f"user__{user_model.USERNAME_FIELD}",
            f"user__{user_model.get_email_field_name()}",
            "detail",
        ]


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = [
        "received_at",
        "from_number",
        "to_number",
        "opt_out_type",
        "body_display",
        "records_changed",
    ]
    list_filter = ["opt_out_type", ("received_at", admin.DateFieldListFilter)]
    search_fields = ["from_number", "to_number", "body", "message_sid"]
    fields = [
        "received_at",
        "provider",
        "message_sid",
        "from_number",
        "to_number",
        "opt_out_type",
        "body",
        "records_changed",
        "payload",
    ]

    @admin.display(description=_("body"))
    def body_display(self, obj):
        # Recipients' text: escaped by the admin, cut short in the list.
        return Truncator(obj.body).chars(80)
