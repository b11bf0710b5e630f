from django.db import models
from django.utils.translation import gettext_lazy as _


class RateLimitBucket(models.Model):
    """The shared rate limiter's state for one target, when Django's cache is
    not Redis (notify_admin.delivery.limits): the next free slot (``tat``,
    the GCRA's theoretical arrival time, in seconds since the epoch) and the
    day's count for a daily cap. Every process and worker books its sends
    here, one row-locked UPDATE per booking."""

    key = models.CharField(_("key"), max_length=200, primary_key=True)
    tat = models.FloatField(_("next free slot"), default=0.0)
    day = models.DateField(_("day"), null=True, blank=True)
    day_count = models.PositiveIntegerField(_("sent on that day"), default=0)

    class Meta:
        verbose_name = _("rate limit bucket")
        verbose_name_plural = _("rate limit buckets")

    def __str__(self):
        return self.key
