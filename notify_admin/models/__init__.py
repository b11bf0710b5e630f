from .delivery_attempt import DeliveryAttempt
from .delivery_run import DeliveryRun
from .notification import Notification
from .notification_count import NotificationCount
from .opt_out import NotificationOptOut
from .provider_event import ProviderEvent
from .target import NotificationTarget
from .target_user_record import TargetUserRecord, UserInNotificationTarget
from .template import NotificationTemplate
from .template_version import NotificationTemplateVersion

__all__ = [
    "DeliveryAttempt",
    "DeliveryRun",
    "Notification",
    "NotificationCount",
    "NotificationOptOut",
    "NotificationTarget",
    "NotificationTemplate",
    "NotificationTemplateVersion",
    "ProviderEvent",
    "TargetUserRecord",
    "UserInNotificationTarget",
]
