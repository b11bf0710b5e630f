"""Polled receipts: claim tickets awaiting a receipt, ask the channel, apply.

Every registered channel (built-in or extra) that declares ``check_receipts``
is asked. Tickets (attempts it accepted) between the channel's
``receipt_delay`` and ``receipt_lifetime`` old whose receipt has not been
read are claimed with delivery's own claim helper
(:func:`notify_admin.delivery.claims.claim_rows`): a compare-and-set UPDATE
gives a batch a claim token and a lease (``receipt_claim_token`` /
``receipt_claimed_until``); on PostgreSQL the candidate SELECT skips rows
another run holds (``SKIP LOCKED``). So two overlapping runs never ask for
one ticket twice. A ticket still without a receipt after its lifetime is
marked ``unconfirmed``.

A ticket whose receipt is not ready keeps its lease, so the next run after
the lease (``NOTIFICATION_SYSTEM_LEASE_SECONDS``) asks again. A batch is at
most the channel's ``max_receipt_ids`` tickets, one provider request, and a
fixed handful of SQL statements (claim 2-3, apply <= 6).
"""

import datetime
import logging
import uuid
from dataclasses import asdict, dataclass

from django.db.models import Q
from django.utils import timezone

from ..delivery.claims import claim_rows, lease_until
from ..models import DeliveryAttempt, Notification, NotificationTarget
from . import recording
from .channels import receipt_channels

logger = logging.getLogger("notify_admin.feedback")

# The defaults of Channel.receipt_delay / receipt_lifetime / max_receipt_ids
# (Expo's: receipts are ready about 15 minutes after the ticket, kept 24 h).
RECEIPT_DELAY = datetime.timedelta(minutes=15)
RECEIPT_LIFETIME = datetime.timedelta(hours=24)
MAX_RECEIPT_IDS = 1000
# How far past their lifetime tickets are still marked unconfirmed: a bounded
# range of the index, whatever the size of the attempts table.
UNCONFIRMED_WINDOW = datetime.timedelta(days=1)
UNCONFIRMED = "unconfirmed"


@dataclass
class ReceiptResult:
    checked: int = 0
    confirmed: int = 0
    failed: int = 0
    inactive: int = 0
    retried: int = 0
    pending: int = 0
    unchanged: int = 0
    unconfirmed: int = 0
    requests: int = 0
    unavailable: str = ""

    def as_dict(self):
        return asdict(self)

    def summary(self):
        text = (
            f"receipts: checked={self.checked} confirmed={self.confirmed} "
            f"failed={self.failed} inactive={self.inactive} retry={self.retried} "
            f"pending={self.pending} unconfirmed={self.unconfirmed}"
        )
        if self.unavailable:
            text += f" (receipts endpoint unavailable: {self.unavailable})"
        return text

    def add(self, counts):
        self.confirmed += counts["confirmed"]
        self.failed += counts["failed"]
        self.inactive += counts["dead"]
        self.retried += counts["transient"]
        self.unchanged += counts["unchanged"]


def awaiting(module_names, now):
    """Accepted tickets of these channels whose receipt is still to be read."""
    return DeliveryAttempt.objects.filter(
        outcome=Notification.DELIVERED,
        provider_status="",
        notification__user_target__target__notification_module_name__in=module_names,
    ).exclude(provider_id="")


def due(module_names, now, delay=RECEIPT_DELAY, lifetime=RECEIPT_LIFETIME):
    """Awaiting tickets old enough to have a receipt, and not leased."""
    return awaiting(module_names, now).filter(
        Q(receipt_claimed_until__isnull=True) | Q(receipt_claimed_until__lt=now),
        attempted_at__lte=now - delay,
        attempted_at__gt=now - lifetime,
    )


def check_receipts(*, now=None, batch_size=MAX_RECEIPT_IDS, limit=None):
    """What ``check_receipts`` and ``process_notifications`` run."""
    now = now or timezone.now()
    result = ReceiptResult()
    in_use = channels_with_records()
    for module_name, channel in receipt_channels():
        if module_name not in in_use:
            # Nobody has an address there: nothing was sent to ask about,
            # and opening the channel would import its SDK at every run.
            continue
        result.unconfirmed += mark_unconfirmed(
            [module_name], now, channel.receipt_lifetime
        )
        if channel.missing_settings():
            continue
        # One provider session for the whole run, as for sending.
        with channel:
            check_channel(module_name, channel, now, batch_size, limit, result)
    return result


def channels_with_records():
    """The module names whose target has records at all: one query."""
    return set(
        NotificationTarget.objects.filter(user_records__isnull=False)
        .values_list("notification_module_name", flat=True)
        .distinct()
    )


def mark_unconfirmed(module_names, now, lifetime=RECEIPT_LIFETIME):
    """Tickets past their receipt's lifetime: one UPDATE."""
    return (
        awaiting(module_names, now)
        .filter(
            attempted_at__lte=now - lifetime,
            attempted_at__gt=now - lifetime - UNCONFIRMED_WINDOW,
        )
        .filter(
            Q(receipt_claimed_until__isnull=True) | Q(receipt_claimed_until__lt=now)
        )
        .update(provider_status=UNCONFIRMED, provider_status_at=now)
    )


def check_channel(module_name, channel, now, batch_size, limit, result):
    size = max(1, min(int(batch_size), channel.max_receipt_ids))
    window = (channel.receipt_delay, channel.receipt_lifetime)
    while limit is None or result.checked < limit:
        wanted = size if limit is None else min(size, limit - result.checked)
        token, tickets = claim(module_name, wanted, now, *window)
        if not tickets:
            return
        result.checked += len(tickets)
        try:
            result.requests += 1
            answers = channel.check_receipts([t.provider_id for t in tickets])
        except Exception as err:
            # The endpoint is down: the tickets wait for the next run (and
            # become unconfirmed if it stays down past their lifetime).
            release(token)
            result.unavailable = f"{type(err).__name__}: {err}"[:300]
            result.pending += len(tickets)
            logger.warning("Receipts of %s unavailable: %s", module_name, err)
            return
        pairs = [
            (t, answers[t.provider_id]) for t in tickets if t.provider_id in answers
        ]
        result.add(recording.apply(pairs, f"{module_name}_receipt"))
        # Tickets without a receipt yet keep their lease: asked again by a
        # run after it ends, not by this run's next batch.
        result.pending += len(tickets) - len(pairs)


def claim(module_name, size, now, delay=RECEIPT_DELAY, lifetime=RECEIPT_LIFETIME):
    """Claim up to ``size`` due tickets; return ``(token, [Pending])``."""
    token = uuid.uuid4()

    def tickets():
        return due([module_name], now, delay, lifetime)

    claimed = claim_rows(
        tickets().order_by("attempted_at"),
        size,
        still_free=lambda ids: tickets().filter(pk__in=ids),
        receipt_claim_token=token,
        receipt_claimed_until=lease_until(now),
    )
    mine = DeliveryAttempt.objects.filter(receipt_claim_token=token)
    return token, recording.load(mine) if claimed else []


def release(token):
    """Let go of the tickets still holding ``token`` (no receipt yet)."""
    DeliveryAttempt.objects.filter(receipt_claim_token=token).update(
        receipt_claim_token=None, receipt_claimed_until=None
    )
