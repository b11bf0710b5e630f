import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..validators import normalise_address, normalise_email_address
from .expressions import by_pk
from .target import NotificationTarget


class TargetUserRecordQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def deactivate(self, reasons, now=None):
        """Make the active records of ``reasons`` (``{pk: reason}``) inactive,
        with the reason and the time: one UPDATE, whoever says the address
        is dead (a send's answer or later feedback)."""
        if not reasons:
            return 0
        now = now or timezone.now()
        limit = self.model._meta.get_field("inactive_reason").max_length
        return self.filter(pk__in=list(reasons), active=True).update(
            active=False,
            inactive_reason=by_pk({pk: str(r)[:limit] for pk, r in reasons.items()}),
            inactivated_at=now,
            modified=now,
        )


class TargetUserRecord(models.Model):
    """A user's address in one target (an email address, a phone number, ...)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_target_user_records",
        verbose_name=_("user"),
    )
    target = models.ForeignKey(
        NotificationTarget,
        on_delete=models.PROTECT,
        related_name="user_records",
        verbose_name=_("target"),
    )
    # 1000: a Web Push subscription (endpoint URL and keys, as JSON) is about
    # 400 characters; email addresses, phone numbers and tokens are short.
    target_user_id = models.CharField(
        _("target user id"),
        max_length=1000,
        help_text=_(
            "The user's address in the target: email, phone, push token, "
            "push subscription."
        ),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # Set when provider feedback makes the record inactive (a dead address,
    # a bounce, a complaint): why and when, for staff.
    inactive_reason = models.CharField(
        _("inactive reason"), max_length=200, blank=True, db_default=""
    )
    inactivated_at = models.DateTimeField(_("inactivated at"), null=True, blank=True)
    # Set when the address itself opted out (the number sent SMS STOP, or
    # Twilio refused a send with error 21610); START clears it. Its
    # notifications become OPTED_OUT ("channel"), not INACTIVE_DEVICE.
    stopped_at = models.DateTimeField(
        _("opted out by SMS STOP at"), null=True, blank=True, editable=False
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    objects = TargetUserRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("target user record")
        verbose_name_plural = _("target user records")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "target", "target_user_id"],
                name="notify_admin_unique_user_target_address",
            )
        ]
        permissions = [
            ("import_targetuserrecord", _("Can import target user records")),
            ("export_targetuserrecord", _("Can export target user records")),
        ]

    def __str__(self):
        # No related lookups here: admin changelists render many rows. Where
        # the user and target came with the record (select_related: the
        # admin's record picker), they are named first, so that namesakes'
        # addresses can be told apart: "ada · Twilio · +1415... (mobile)".
        text = (
            f"{self.target_user_id} ({self.description})"
            if self.description
            else self.target_user_id
        )
        loaded = self._state.fields_cache
        user, target = loaded.get("user"), loaded.get("target")
        if user is None:
            return text
        named = [user.get_username(), *([target.name] if target else []), text]
        return " · ".join(named)

    def save(self, *args, **kwargs):
        # The address rule holds on every save, not only in forms.
        self.clean()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.target_id is None:
            return
        try:
            self.target_user_id = normalise_address(
                self.target.notification_module_name, self.target_user_id
            )
        except ValidationError as err:
            raise ValidationError({"target_user_id": err.messages}) from err
        limit = self._meta.get_field("target_user_id").max_length
        if len(self.target_user_id) > limit or "\x00" in self.target_user_id:
            # PostgreSQL would refuse the row with a DataError at save time.
            raise ValidationError(
                {
                    "target_user_id": _(
                        "An address has at most %(limit)d characters and no NUL "
                        "characters."
                    )
                    % {"limit": limit}
                }
            )

    @classmethod
    def reset_email_target(cls, user):
        """Create or update ``user``'s email record from ``user.email``.

        The record for the current address becomes the only active email
        record; open notifications queued on the user's old email records move
        to it, so a changed address does not drop them. Returns the record, or
        ``None`` when the user has no email address (nothing is changed then).
        """
        if not user.email:
            return None
        try:
            address = normalise_email_address(user.email)
        except ValidationError as err:
            raise ValidationError({"target_user_id": err.messages}) from err
        email_target = NotificationTarget.objects.get(
            notification_module_name=NotificationTarget.EMAIL
        )
        description = f"{user.get_full_name() or user.get_username()}'s Email"
        with transaction.atomic():
            record, _created = cls.objects.update_or_create(
                user=user,
                target=email_target,
                target_user_id=address,
                defaults={"active": True},
                create_defaults={"active": True, "description": description},
            )
            old = cls.objects.filter(user=user, target=email_target).exclude(
                pk=record.pk
            )
            # Notifications sit above records: reached through the relation,
            # not an import (models import only the modules below them).
            notifications = cls._meta.get_field("notifications").related_model
            notifications.objects.filter(user_target__in=old).open().update(
                user_target=record
            )
            old.filter(active=True).update(active=False)
        return record


# The name the original package and its documentation use.
UserInNotificationTarget = TargetUserRecord
