"""Django admin for notify_admin: one module per ModelAdmin."""

from .category import NotificationCategoryAdmin
from .consent_log import ConsentChangeAdmin, InboundMessageAdmin
from .delivery_run import DeliveryRunAdmin
from .notification import NotificationAdmin
from .opt_out import NotificationOptOutAdmin
from .preference import NotificationPreferenceAdmin
from .send_job import SendJobAdmin
from .target import NotificationTargetAdmin
from .target_user_record import TargetUserRecordAdmin
from .template import NotificationTemplateAdmin
from .timing import BlackoutPeriodAdmin, RecipientSettingsAdmin
from .users import extend_user_admin

# Also here: if django.contrib.admin is listed after notify_admin, the admin
# modules load after NotifyAdminConfig.ready(). Extending twice is a no-op.
extend_user_admin()

__all__ = [
    "BlackoutPeriodAdmin",
    "ConsentChangeAdmin",
    "InboundMessageAdmin",
    "RecipientSettingsAdmin",
    "SendJobAdmin",
    "DeliveryRunAdmin",
    "NotificationCategoryAdmin",
    "NotificationPreferenceAdmin",
    "NotificationAdmin",
    "NotificationOptOutAdmin",
    "NotificationTargetAdmin",
    "NotificationTemplateAdmin",
    "TargetUserRecordAdmin",
    "extend_user_admin",
]
