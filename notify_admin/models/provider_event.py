"""ProviderEvent: one provider verdict that was applied (the feedback history)."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .delivery_attempt import DeliveryAttempt
from .notification import Notification


class ProviderEvent(models.Model):
    """What a provider said after accepting a notification, and what it changed.

    Written by notify_admin.feedback for each verdict that moved an attempt
    forward (replays and out-of-order events write nothing), so a
    notification's page lists every change feedback made, with its source.
    """

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="provider_events",
        verbose_name=_("notification"),
    )
    attempt = models.ForeignKey(
        DeliveryAttempt,
        on_delete=models.CASCADE,
        related_name="provider_events",
        verbose_name=_("attempt"),
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    source = models.CharField(
        _("source"),
        max_length=40,
        help_text=_("expo_receipt, twilio_callback, anymail:<ESP>"),
    )
    provider_status = models.CharField(_("provider status"), max_length=40)
    provider_error_code = models.CharField(
        _("provider error code"), max_length=100, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    status_before = models.CharField(
        _("status before"), max_length=16, choices=Notification.STATUS_CHOICES
    )
    status_after = models.CharField(
        _("status after"), max_length=16, choices=Notification.STATUS_CHOICES
    )
    record_deactivated = models.BooleanField(_("record made inactive"), default=False)
    payload = models.JSONField(
        _("provider payload"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )

    class Meta:
        verbose_name = _("provider event")
        verbose_name_plural = _("provider events")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.source}: {self.provider_status}"
