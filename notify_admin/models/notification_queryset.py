"""The named selection rules for notifications (the engine and the admin use them).

``due(now)`` is what a run sends; ``lease_free(now)`` is what no worker is
sending right now; ``with_opt_out()`` marks the rows of opted-out users;
``sendable_now()`` is what "Send now" may send. The status groups they use
are constants on :class:`~notify_admin.models.Notification`.
"""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .opt_out import NotificationOptOut


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
            status=self.model.OPTED_OUT, claim_token=None, claimed_until=None
        )
