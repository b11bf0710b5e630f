"""The invariants every fault and overlap case ends with."""

from django.utils import timezone

from notify_admin.models import Notification


def assert_consistent(received, now=None):
    """The invariants every fault case ends with."""
    now = now or timezone.now()
    for notification in Notification.objects.select_related("user_target"):
        address = notification.user_target.target_user_id
        # Nobody holds a row past its lease.
        assert notification.claim_token is None or notification.claimed_until < now
        if notification.status == Notification.DELIVERED:
            assert received.get(address, 0) >= 1, address
        if notification.status != Notification.SCHEDULED:
            latest = notification.attempts.order_by("-attempted_at").first()
            assert latest is not None and latest.outcome == notification.status
