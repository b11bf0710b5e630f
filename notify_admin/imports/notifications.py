"""The export-only resource of notifications: readable columns, no internals."""

from django.utils.translation import gettext_lazy
from import_export import fields, resources

from ..models import Notification

NOTIFICATION_COLUMNS = (
    "id",
    "user",
    "target",
    "address",
    "title",
    "body",
    "status",
    "scheduled_delivery",
    "attempted_delivery",
    "retry_attempts",
    "max_retries",
    "retry_time_interval",
    "created",
    "modified",
)


class NotificationResource(resources.ModelResource):
    """Export only: readable columns, no lease internals, no ``extra`` payload."""

    user = fields.Field(attribute="user_target__user", column_name="user")
    target = fields.Field(attribute="user_target__target__name", column_name="target")
    address = fields.Field(
        attribute="user_target__target_user_id", column_name="address"
    )

    class Meta:
        model = Notification
        name = gettext_lazy("Notifications")
        fields = NOTIFICATION_COLUMNS
        export_order = NOTIFICATION_COLUMNS

    def dehydrate_user(self, notification):
        return notification.user_target.user.get_username()

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("user_target__user", "user_target__target")
