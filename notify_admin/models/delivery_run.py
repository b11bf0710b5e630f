from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


class DeliveryRun(models.Model):
    """One run of ``process_notifications`` (or an admin "send now")."""

    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=50, default="command")
    host = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    claimed = models.PositiveIntegerField(_("claimed"), default=0)
    delivered = models.PositiveIntegerField(_("delivered"), default=0)
    retried = models.PositiveIntegerField(_("retry"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    inactive = models.PositiveIntegerField(_("inactive"), default=0)
    opted_out = models.PositiveIntegerField(_("opted out"), default=0)
    #: Held by the recipient's quiet hours or a blackout period (moved later).
    deferred = models.PositiveIntegerField(_("deferred"), default=0)
    error = models.TextField(_("error"), blank=True)
    #: The selected rows an admin send did not attempt, and why (skipped,
    #: not configured, opted out...), so its result page names every row:
    #: ``{"total": n, "counts": {reason: n}, "rows": [{...}, ...]}`` (the
    #: first rows only; see notify_admin/admin/unsent.py). Empty for runs of
    #: process_notifications, which have no selection.
    unsent = models.JSONField(
        _("selected rows not attempted"), default=dict, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("delivery run")
        verbose_name_plural = _("delivery runs")
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self):
        # In the admin's own date format (its titles sit beside its fields).
        started = self.started_at
        if timezone.is_aware(started):
            started = timezone.localtime(started)
        return f"{self.source} run at {date_format(started, 'DATETIME_FORMAT')}"
