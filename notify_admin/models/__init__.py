from .blackout import BlackoutPeriod
from .category import NotificationCategory
from .consent_change import ConsentChange
from .delivery_attempt import DeliveryAttempt
from .delivery_run import DeliveryRun
from .inbound_message import InboundMessage
from .notification import Notification
from .notification_count import NotificationCount
from .opt_out import NotificationOptOut
from .preference import NotificationPreference
from .provider_event import ProviderEvent
from .rate_limit_bucket import RateLimitBucket
from .recipient_settings import RecipientSettings
from .send_job import SendJob, SendJobChunk
from .target import NotificationTarget
from .target_backoff import TargetBackoff
from .target_pause import TargetPause
from .target_user_record import TargetUserRecord, UserInNotificationTarget
from .template import NotificationTemplate
from .template_version import NotificationTemplateVersion

__all__ = [
    "BlackoutPeriod",
    "ConsentChange",
    "DeliveryAttempt",
    "DeliveryRun",
    "InboundMessage",
    "Notification",
    "NotificationCategory",
    "NotificationCount",
    "NotificationOptOut",
    "NotificationPreference",
    "NotificationTarget",
    "NotificationTemplate",
    "NotificationTemplateVersion",
    "ProviderEvent",
    "RateLimitBucket",
    "RecipientSettings",
    "TargetBackoff",
    "TargetPause",
    "SendJob",
    "SendJobChunk",
    "TargetUserRecord",
    "UserInNotificationTarget",
]
