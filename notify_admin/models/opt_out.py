import uuid

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


def notification_model():
    """Notification, which sits above this module (it checks opt-outs on
    save): taken from the app registry, as Django resolves a lazy relation,
    so the models import only the modules below them."""
    return apps.get_model("notify_admin", "Notification")


class NotificationOptOutQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class NotificationOptOut(models.Model):
    """A user who has opted out of notifications (while ``active``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_opt_out",
        verbose_name=_("user"),
    )
    active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    objects = NotificationOptOutQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification opt-out")
        verbose_name_plural = _("notification opt-outs")

    def __str__(self):
        return f"opt-out of user {self.user_id}"

    def save(self, *args, **kwargs):
        """Saving an active opt-out turns the user's SCHEDULED and RETRY
        notifications into OPTED_OUT, in one statement."""
        with transaction.atomic():
            super().save(*args, **kwargs)
            if self.active:
                notification_model().objects.for_users([self.user_id]).opt_out()
