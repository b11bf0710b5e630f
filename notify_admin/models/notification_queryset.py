"""The named selection rules for notifications (the engine and the admin use them).

``due(now)`` is what a run sends; ``lease_free(now)`` is what no worker is
sending right now; ``with_opt_out()`` marks the rows of opted-out users;
``with_consent()`` marks the rows the user's preferences block;
``sendable_now()`` is what "Send now" may send. The status groups they use
are constants on :class:`~notify_admin.models.Notification`.
"""

from django.db import models
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from .category import NotificationCategory
from .opt_out import NotificationOptOut
from .preference_sql import PreferenceChoice

# The reason codes of Notification.opted_out_reason that preferences give
# (Notification.REASON_PREFERENCE, REASON_CATEGORY; "" = may be sent).
BLOCKED_BY_PREFERENCE = "preference"
BLOCKED_BY_CATEGORY = "category"


def lease_free_q(now):
    """No live lease: never claimed, released, or the lease ran out before ``now``."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def user_opted_out():
    """True for a notification whose user has an active opt-out."""
    return Exists(
        NotificationOptOut.objects.filter(
            active=True, user_id=OuterRef("user_target__user_id")
        )
    )


def consent_category_id(rules):
    """The row's category, or the default category when it has none."""
    if rules.default_id is None:
        return F("category_id")
    return Coalesce(F("category_id"), Value(rules.default_id))


def preference_block(rules):
    """Why the user's preferences block this row ("" when they do not).

    The same rule as :func:`notify_admin.consent.rules.preference_block`
    (tests/consent/test_rules.py checks that both agree on every case),
    written as SQL so the claim decides it in its own statement:

    1. a critical category is never blocked;
    2. else the user's choice for (category, channel), if they made one (a
       correlated lookup on the preferences' unique index);
    3. else the category's default for the channel (off when the channel is
       in its ``off_by_default``).

    The category table's few rows come in as literals (``rules``, a
    :class:`~notify_admin.models.category.CategoryRules` snapshot). Needs
    the ``consent_category_id`` annotation (:meth:`with_consent`).
    """
    choice = PreferenceChoice(
        F("user_target__user_id"),
        F("consent_category_id"),
        F("user_target__target_id"),
        BLOCKED_BY_PREFERENCE,
    )
    default = Value("")
    if rules.off_pairs:
        off_by_default = Q()
        for category_id, target_id in sorted(rules.off_pairs):
            off_by_default |= Q(
                consent_category_id=category_id, user_target__target_id=target_id
            )
        default = Case(
            When(off_by_default, then=Value(BLOCKED_BY_CATEGORY)),
            default=Value(""),
            output_field=CharField(),
        )
    decided = Coalesce(choice, default, output_field=CharField())
    if not rules.critical_ids:
        return decided
    return Case(
        When(consent_category_id__in=sorted(rules.critical_ids), then=Value("")),
        default=decided,
        output_field=CharField(),
    )


class NotificationQuerySet(models.QuerySet):
    def for_users(self, user_ids):
        return self.filter(user_target__user_id__in=user_ids)

    def open(self):
        """Not yet delivered and still to be tried."""
        return self.filter(status__in=self.model.OPEN_STATUSES)

    def lease_free(self, now=None):
        """Rows no worker is sending right now (a live lease is left alone)."""
        return self.filter(lease_free_q(now or timezone.now()))

    def due(self, now=None):
        """Open, scheduled at or before ``now``, and not leased by a worker."""
        now = now or timezone.now()
        return self.open().filter(scheduled_delivery__lte=now).lease_free(now)

    def sendable_now(self):
        """What "Send now" may send: open rows whatever their scheduled time,
        and failed ones (a lease is checked when the rows are claimed)."""
        return self.filter(status__in=self.model.SENDABLE_NOW_STATUSES)

    def with_opt_out(self):
        """Annotate ``user_opted_out``: the user has an active opt-out."""
        return self.annotate(user_opted_out=user_opted_out())

    def with_consent(self, rules=None):
        """Annotate ``consent_category_id`` (the row's category, else the
        default one) and ``consent_block``: "" when the user's preferences
        let the row go, else the reason (``"preference"``, ``"category"``).
        The engine reads it in the statement that reads a claimed batch.
        ``rules``: a ``NotificationCategory.objects.rules()`` snapshot
        (loaded here when not given)."""
        if rules is None:
            rules = NotificationCategory.objects.rules()
        return self.annotate(consent_category_id=consent_category_id(rules)).annotate(
            consent_block=preference_block(rules)
        )

    def without_opted_out(self):
        return self.exclude(user_opted_out())

    def insert_rows(self, rows):
        """Insert new rows given as dicts, one statement a batch on
        PostgreSQL (see :mod:`.notification_insert`); returns the count."""
        from .notification_insert import insert_rows

        return insert_rows(self, rows)

    def create_from_template(self, template, user, personalisation=None, **kwargs):
        """One notification per active address of ``user`` on the template's
        channels, rendered now (see :func:`.template_create.create`)."""
        from .template_create import create

        return create(self.model, template, user, personalisation, **kwargs)

    def bulk_create_from_template(self, template, recipients, **kwargs):
        """The same for many users, rendered and inserted in batches (see
        :func:`.template_bulk.bulk_create`); returns a ``BulkResult``."""
        from .template_bulk import bulk_create

        return bulk_create(self.model, template, recipients, **kwargs)

    def opt_out(self):
        """Mark the open notifications in this queryset OPTED_OUT (one UPDATE)."""
        return self.open().update(
            status=self.model.OPTED_OUT,
            opted_out_reason=self.model.REASON_OPT_OUT,
            claim_token=None,
            claimed_until=None,
        )
