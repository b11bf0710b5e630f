from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class BlackoutPeriodQuerySet(models.QuerySet):
    def covering(self, first_day, last_day):
        """Periods that touch the days ``first_day`` to ``last_day``."""
        return self.filter(start_date__lte=last_day, end_date__gte=first_day)


class BlackoutPeriod(models.Model):
    """Site-wide days on which non-critical notifications are held (public
    holidays, a freeze before a release). The days are the recipient's own
    days, in their time zone; a held notification goes at the first moment
    after the period that is outside their quiet hours."""

    name = models.CharField(_("name"), max_length=100)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    objects = BlackoutPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("blackout period")
        verbose_name_plural = _("blackout periods")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="notify_admin_blackout_ends_after_start",
            )
        ]

    def __str__(self):
        if self.start_date == self.end_date:
            return f"{self.name} ({self.start_date})"
        return f"{self.name} ({self.start_date} to {self.end_date})"

    def clean(self):
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(
                {"end_date": _("The last day cannot be before the first day.")}
            )
