import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value):
    """An IANA time zone name that this machine's zoneinfo knows."""
    if not value:
        return
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
        raise ValidationError(
            _("%(value)s is not a known time zone (e.g. Europe/Paris)."),
            params={"value": value},
            code="invalid",
        ) from err


class RecipientSettings(models.Model):
    """A user's time zone and quiet hours (the default quiet-hours hook reads
    these; ``NOTIFICATION_SYSTEM_QUIET_HOURS`` fills in what is blank).

    A window may cross midnight (22:00 to 07:00). Start and end are both set,
    or both blank (the site default window then applies); the same time for
    both means no quiet hours at all, whatever the site default."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
        verbose_name=_("user"),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("IANA name, e.g. Europe/Paris; blank: the site default."),
    )
    quiet_hours_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("recipient settings")
        verbose_name_plural = _("recipient settings")

    def __str__(self):
        return f"settings of user {self.user_id}"

    def clean(self):
        super().clean()
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if (start is None) != (end is None):
            raise ValidationError(
                _("Give both the start and the end of the quiet hours, or neither.")
            )
