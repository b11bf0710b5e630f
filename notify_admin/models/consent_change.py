from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .category import NotificationCategory
from .target import NotificationTarget
from .target_user_record import TargetUserRecord


class ConsentChange(models.Model):
    """One change a recipient made themselves: when, what, and through which
    link (one-click unsubscribe, the preference page, an SMS STOP / START,
    or a send Twilio refused with error 21610). Staff changes are in the
    admin log instead."""

    ONE_CLICK = "one_click"
    UNSUBSCRIBE_PAGE = "unsubscribe_page"
    PREFERENCE_PAGE = "preference_page"
    SMS_STOP = "sms_stop"
    SMS_START = "sms_start"
    PROVIDER_OPT_OUT = "provider_opt_out"
    VIA_CHOICES = [
        (ONE_CLICK, _("one-click unsubscribe (List-Unsubscribe-Post)")),
        (UNSUBSCRIBE_PAGE, _("unsubscribe link, confirmed on its page")),
        (PREFERENCE_PAGE, _("preference page")),
        (SMS_STOP, _("SMS STOP")),
        (SMS_START, _("SMS START")),
        (
            PROVIDER_OPT_OUT,
            _("a send refused because the address opted out (Twilio 21610)"),
        ),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    via = models.CharField(_("through"), max_length=20, choices=VIA_CHOICES)
    category = models.ForeignKey(
        NotificationCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    target = models.ForeignKey(
        NotificationTarget,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("channel"),
    )
    record = models.ForeignKey(
        TargetUserRecord,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("address"),
    )
    enabled = models.BooleanField(_("now on"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("recipient consent change")
        verbose_name_plural = _("recipient consent changes")

    def __str__(self):
        return f"{self.get_via_display()} at {self.at:%Y-%m-%d %H:%M}"
