"""Django admin for notify_admin: one module per ModelAdmin."""

from .delivery_run import DeliveryRunAdmin
from .notification import NotificationAdmin
from .opt_out import NotificationOptOutAdmin
from .target import NotificationTargetAdmin
from .target_user_record import TargetUserRecordAdmin

__all__ = [
    "DeliveryRunAdmin",
    "NotificationAdmin",
    "NotificationOptOutAdmin",
    "NotificationTargetAdmin",
    "TargetUserRecordAdmin",
]
