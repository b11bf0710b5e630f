import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationTargetManager(models.Manager):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class NotificationTarget(models.Model):
    """Something that can receive a notification: Email, Twilio, Expo, ...

    ``notification_module_name`` names the channel module that creates and
    sends notifications for this target.
    """

    EMAIL = "email"
    TWILIO = "twilio"
    EXPO = "expo"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)
    notification_module_name = models.CharField(
        _("notification module name"),
        max_length=100,
        help_text=_(
            "Module in NOTIFICATION_SYSTEM_CREATORS / NOTIFICATION_SYSTEM_HANDLERS "
            "that creates and sends notifications for this target."
        ),
    )

    objects = NotificationTargetManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("notification target")
        verbose_name_plural = _("notification targets")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)
