"""The DeliveryAttempt model: one row per try at delivering a notification."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .delivery_attempt_queryset import DeliveryAttemptQuerySet
from .delivery_run import DeliveryRun
from .notification import Notification


class DeliveryAttempt(models.Model):
    """One try at delivering a notification, with the provider's answer."""

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="attempts",
        verbose_name=_("notification"),
    )
    run = models.ForeignKey(
        DeliveryRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attempts",
        verbose_name=_("delivery run"),
        help_text=_("The run (command or admin send) that made this attempt."),
    )
    attempted_at = models.DateTimeField(_("attempted at"), default=timezone.now)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Notification.STATUS_CHOICES
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    provider_id = models.CharField(
        _("provider id"),
        max_length=200,
        blank=True,
        help_text=_("Twilio message SID, Expo ticket id, SMTP message id."),
    )
    error_code = models.CharField(_("error code"), max_length=100, blank=True)
    error_message = models.TextField(_("error message"), blank=True)
    response = models.JSONField(
        _("provider response"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    # The provider's later verdict (receipt, status callback, email webhook):
    # see notify_admin.feedback. It moves only forward (feedback/verdicts.py).
    provider_status = models.CharField(
        _("provider status"),
        max_length=40,
        blank=True,
        # A database default: the engine's attempt INSERT names its columns.
        db_default="",
        help_text=_(
            "The provider's latest word after accepting: delivered, undelivered, "
            "ok, error, bounced, complained, unconfirmed..."
        ),
    )
    provider_error_code = models.CharField(
        _("provider error code"), max_length=100, blank=True, db_default=""
    )
    provider_status_at = models.DateTimeField(
        _("provider status at"), null=True, blank=True
    )
    confirmed_at = models.DateTimeField(
        _("confirmed at"),
        null=True,
        blank=True,
        help_text=_("When the provider confirmed the delivery."),
    )
    # The receipt-check lease, as Notification.claim_token/claimed_until: a
    # run checking this ticket's receipt owns it until receipt_claimed_until.
    receipt_claim_token = models.UUIDField(null=True, blank=True, editable=False)
    receipt_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = DeliveryAttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-attempted_at"]
        indexes = [
            models.Index(fields=["attempted_at", "outcome"]),
            models.Index(fields=["provider_id"], name="notify_admin_provider_id_idx"),
            # Accepted attempts with no provider verdict yet: what the receipt
            # checks select, by age (a bounded range of this small index).
            models.Index(
                fields=["attempted_at"],
                name="notify_admin_awaiting_idx",
                condition=models.Q(outcome="DELIVERED", provider_status=""),
            ),
        ]

    def __str__(self):
        return f"{self.outcome} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"
