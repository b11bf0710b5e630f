import json
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .category import NotificationCategory
from .notification_queryset import NotificationQuerySet
from .opt_out import NotificationOptOut
from .target_user_record import TargetUserRecord

#: The longest idempotency key (a UUID, a hash or "order-1234-shipped" fit).
IDEMPOTENCY_KEY_MAX_LENGTH = 255


class Notification(models.Model):
    """A message to one user through one of their target user records."""

    SCHEDULED = "SCHEDULED"
    DELIVERED = "DELIVERED"
    DELIVERY_FAILURE = "DELIVERY_FAILURE"
    RETRY = "RETRY"
    INACTIVE_DEVICE = "INACTIVE_DEVICE"
    OPTED_OUT = "OPTED_OUT"

    STATUS_CHOICES = [
        (SCHEDULED, _("Scheduled")),
        (DELIVERED, _("Delivered")),
        (DELIVERY_FAILURE, _("Delivery failure")),
        (RETRY, _("Retry")),
        (INACTIVE_DEVICE, _("Inactive device")),
        (OPTED_OUT, _("Opted out")),
    ]
    # Status groups, named once (the engine, the admin and the dashboard use them).
    #: Still to be tried: what a run may claim.
    OPEN_STATUSES = (SCHEDULED, RETRY)
    #: Tried and given up on.
    FAILED_STATUSES = (DELIVERY_FAILURE, INACTIVE_DEVICE)
    #: What "Send now" may send again: open rows and failed ones.
    SENDABLE_NOW_STATUSES = (*OPEN_STATUSES, *FAILED_STATUSES)
    # Statuses that need no attempted delivery (seed rule 2).
    UNATTEMPTED_STATUSES = (SCHEDULED, OPTED_OUT)

    # Why an OPTED_OUT row was not sent (a staff cancellation has
    # ``cancelled_at`` instead). Set by the engine when it claims the row.
    #: The user's opt-out (the seed's NotificationOptOut, the master switch).
    REASON_OPT_OUT = "opt_out"
    #: The user turned this category off on this channel.
    REASON_PREFERENCE = "preference"
    #: The category is off by default on this channel, and the user did not
    #: turn it on.
    REASON_CATEGORY = "category"
    #: The address itself is opted out (the number sent SMS STOP).
    REASON_CHANNEL = "channel"
    OPT_OUT_REASON_CHOICES = [
        (REASON_OPT_OUT, _("the user opted out of all notifications")),
        (REASON_PREFERENCE, _("the user turned this category off on this channel")),
        (REASON_CATEGORY, _("the category is off by default on this channel")),
        (REASON_CHANNEL, _("the address opted out (SMS STOP)")),
    ]
    # Why a row was held past its time (it stays SCHEDULED / RETRY).
    DEFERRED_QUIET_HOURS = "quiet_hours"
    DEFERRED_BLACKOUT = "blackout"
    DEFERRAL_REASON_CHOICES = [
        (DEFERRED_QUIET_HOURS, _("the recipient's quiet hours")),
        (DEFERRED_BLACKOUT, _("a blackout period")),
    ]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_target = models.ForeignKey(
        TargetUserRecord,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user target"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    extra = models.JSONField(
        _("extra"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    status = models.CharField(
        _("status"), max_length=16, choices=STATUS_CHOICES, default=SCHEDULED
    )
    scheduled_delivery = models.DateTimeField(
        _("scheduled delivery"), default=timezone.now
    )
    attempted_delivery = models.DateTimeField(
        _("attempted delivery"), null=True, blank=True
    )
    retry_time_interval = models.PositiveIntegerField(
        _("retry time interval"),
        default=0,
        help_text=_("Seconds to wait before retrying a failed delivery."),
    )
    retry_attempts = models.PositiveIntegerField(_("retry attempts"), default=0)
    max_retries = models.PositiveIntegerField(_("max retries"), default=3)
    # The delivery lease: a worker that claims a row owns it until
    # ``claimed_until``; a dead worker's rows become due again after that.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    # A staff cancellation (the admin's Cancel action): the row is OPTED_OUT,
    # as the seed's statuses have no "cancelled", and these say who and when,
    # so it can be told from a user's opt-out and undone.
    cancelled_at = models.DateTimeField(
        _("cancelled at"), null=True, blank=True, editable=False
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    # What the notification is about; none: the default category
    # (NOTIFICATION_SYSTEM_DEFAULT_CATEGORY).
    category = models.ForeignKey(
        NotificationCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("category"),
        help_text=_("Blank: the default category."),
    )
    opted_out_reason = models.CharField(
        _("opted out because"),
        max_length=20,
        blank=True,
        db_default="",
        default="",
        editable=False,
        choices=OPT_OUT_REASON_CHOICES,
    )
    # Quiet hours or a blackout period held the row: ``scheduled_delivery``
    # was moved to this time (no retry spent).
    deferred_until = models.DateTimeField(
        _("deferred until"), null=True, blank=True, editable=False
    )
    deferral_reason = models.CharField(
        _("deferred because of"),
        max_length=20,
        blank=True,
        db_default="",
        default="",
        editable=False,
        choices=DEFERRAL_REASON_CHOICES,
    )
    # The template version the title, body and extra were rendered from
    # (``Notification.objects.create_from_template``); editing the template
    # later adds a version and changes no existing row.
    template_version = models.ForeignKey(
        "notify_admin.NotificationTemplateVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="notifications",
        verbose_name=_("template version"),
    )
    # The caller's key for "create this once" (``creators.create_once``):
    # unique over the whole table while the row exists (retention deleting
    # the row frees the key); null for rows created without one.
    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The creator's key: creating again with it returned this row "
            "instead of a new one."
        ),
    )
    # The send job (a checked file of recipients) that created the row.
    send_job = models.ForeignKey(
        "notify_admin.SendJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="notifications",
        verbose_name=_("send job"),
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-scheduled_delivery"]
        indexes = [
            # On PostgreSQL migration 0013 adds the lease to this index
            # (INCLUDE, which SQLite has not): the dashboard's "due now" is
            # counted from the index alone.
            models.Index(
                fields=["scheduled_delivery"],
                name="notify_admin_due_idx",
                condition=Q(status__in=["SCHEDULED", "RETRY"]),
            ),
            models.Index(fields=["status", "scheduled_delivery"]),
            models.Index(fields=["claim_token"]),
            # The admin at scale (migration 0006): the changelist's order
            # (scheduled_delivery, then pk) read from an index, not a sort;
            # the dashboard's "last 24 h" and chart, and the attempted range.
            models.Index(
                fields=["scheduled_delivery", "id"], name="notify_admin_sched_pk_idx"
            ),
            models.Index(
                fields=["attempted_delivery", "status"],
                name="notify_admin_attempted_idx",
            ),
        ]
        constraints = [
            # A partial unique index: also the admin's exact search by key.
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="notify_admin_idempotency_key_uniq",
            ),
        ]
        permissions = [
            ("send_notification", _("Can send notifications now")),
            ("export_notification", _("Can export notifications")),
        ]

    def __str__(self):
        # Titles and breadcrumbs of the admin: the status in words, and a
        # staff cancellation (stored OPTED_OUT) told from a user's opt-out.
        if self.status == self.OPTED_OUT and self.cancelled_at is not None:
            status = _("Cancelled by staff")
        else:
            status = self.get_status_display()
        return f"{self.title} ({status})"

    def save(self, *args, **kwargs):
        self.clean()
        super().save(*args, **kwargs)

    def clean(self):
        """The seed's data checks (also run on every save).

        1. No 'SCHEDULED' notification with an attempted delivery.
        2. Any status but 'SCHEDULED' (and 'OPTED_OUT') needs an attempted
           delivery.
        3. Nothing is saved for a user who has opted out (except OPTED_OUT).
        """
        super().clean()
        self.clean_values()
        if self.status == self.SCHEDULED and self.attempted_delivery:
            raise ValidationError(
                {
                    "status": _(
                        "Status cannot be 'SCHEDULED' if there is an attempted "
                        "delivery."
                    )
                }
            )
        if self.status not in self.UNATTEMPTED_STATUSES and not self.attempted_delivery:
            raise ValidationError(
                {
                    "attempted_delivery": _(
                        "Attempted delivery must be filled out if status is %(status)s."
                    )
                    % {"status": self.status}
                }
            )
        if self.status != self.OPTED_OUT and self.user_is_opted_out():
            raise ValidationError(
                {"user_target": _("This user has opted out of notifications.")}
            )

    def clean_values(self):
        """What no database column can hold: ``extra`` that is not a JSON
        object, and NUL characters (PostgreSQL refuses them in text and
        JSON; SQLite would store them)."""
        errors = {}
        for name in ("title", "body", "idempotency_key"):
            if "\x00" in (getattr(self, name) or ""):
                errors[name] = _("NUL characters are not allowed.")
        if not isinstance(self.extra, dict):
            errors["extra"] = _(
                "Extra must be a JSON object ({...}), not %(type)s."
            ) % {"type": type(self.extra).__name__}
        else:
            try:
                encoded = json.dumps(self.extra, cls=DjangoJSONEncoder)
            except (TypeError, ValueError) as err:
                errors["extra"] = _("Extra is not valid JSON: %(error)s") % {
                    "error": err
                }
            else:
                if "\\u0000" in encoded:
                    errors["extra"] = _("NUL characters are not allowed.")
        if errors:
            raise ValidationError(errors)

    def user_is_opted_out(self):
        if self.user_target_id is None:
            return False
        return NotificationOptOut.objects.filter(
            active=True, user__notification_target_user_records=self.user_target_id
        ).exists()
