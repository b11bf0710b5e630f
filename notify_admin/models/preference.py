from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .category import NotificationCategory
from .target import NotificationTarget


class NotificationPreference(models.Model):
    """A user's choice for one category on one channel (a target).

    Without a row, the category's default for that channel holds (on, unless
    the channel is in the category's ``off_by_default``). A critical category
    is sent whatever the row says. The engine reads these when it claims a
    batch, so a change holds for notifications created before it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    category = models.ForeignKey(
        NotificationCategory,
        on_delete=models.CASCADE,
        related_name="preferences",
        verbose_name=_("category"),
    )
    target = models.ForeignKey(
        NotificationTarget,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("channel"),
    )
    enabled = models.BooleanField(_("enabled"))
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            # Also the index the claim's lookup reads (user, category, target).
            models.UniqueConstraint(
                fields=["user", "category", "target"],
                name="notify_admin_unique_preference",
            )
        ]
        permissions = [
            ("import_notificationpreference", _("Can import notification preferences")),
            ("export_notificationpreference", _("Can export notification preferences")),
        ]

    def __str__(self):
        state = _("on") if self.enabled else _("off")
        return f"{self.category_id}/{self.target_id}: {state}"
