from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .target import NotificationTarget


class TargetPause(models.Model):
    """A target on hold: while this row exists, no run claims the target's
    rows; they stay SCHEDULED / RETRY with nothing spent until it is
    resumed (the row deleted).

    Staff pause a target from the admin; a run pauses it by itself when the
    provider refuses the account's credentials or the channel raises
    ImproperlyConfigured once open (``source`` says which, ``reason`` holds
    the provider's answer). See notify_admin.delivery.pauses.
    """

    STAFF = "staff"
    CREDENTIALS = "credentials"
    CONFIGURATION = "configuration"
    SOURCE_CHOICES = [
        (STAFF, _("Paused by staff")),
        (CREDENTIALS, _("The provider refused the credentials")),
        (CONFIGURATION, _("The channel is not configured")),
    ]

    target = models.OneToOneField(
        NotificationTarget,
        on_delete=models.CASCADE,
        related_name="pause",
        verbose_name=_("target"),
    )
    paused_at = models.DateTimeField(_("paused at"), default=timezone.now)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("paused by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=SOURCE_CHOICES, default=STAFF
    )

    class Meta:
        verbose_name = _("target pause")
        verbose_name_plural = _("target pauses")

    def __str__(self):
        return f"{self.target_id} paused ({self.source})"
