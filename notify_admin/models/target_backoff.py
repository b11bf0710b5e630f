from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .target import NotificationTarget


class TargetBackoff(models.Model):
    """A target the runs leave alone until ``not_before``: its circuit
    breaker tripped (too many failures in a row: a provider outage), or its
    daily cap was reached. Unlike a pause, it ends by itself; the rows stay
    SCHEDULED / RETRY with nothing spent meanwhile.

    After a breaker trip, the first run past ``not_before`` sends one probe
    message: an answer deletes the row, another failure trips the breaker
    again with the back-off doubled (``trips``). See
    notify_admin.delivery.backoff.
    """

    BREAKER = "breaker"
    DAILY_LIMIT = "daily_limit"
    KIND_CHOICES = [
        (BREAKER, _("Circuit breaker: the provider kept failing")),
        (DAILY_LIMIT, _("Daily limit reached")),
    ]

    target = models.OneToOneField(
        NotificationTarget,
        on_delete=models.CASCADE,
        related_name="backoff",
        verbose_name=_("target"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=KIND_CHOICES)
    not_before = models.DateTimeField(_("not before"))
    #: Breaker trips in a row (the back-off doubles with each).
    trips = models.PositiveIntegerField(_("trips in a row"), default=0)
    reason = models.TextField(_("reason"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("target back-off")
        verbose_name_plural = _("target back-offs")

    def __str__(self):
        return f"{self.target_id} backing off until {self.not_before} ({self.kind})"
