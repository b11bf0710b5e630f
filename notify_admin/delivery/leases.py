"""Leases: keep a batch's claim alive while the batch is being sent."""

import logging
import threading
from datetime import timedelta

from django.db import DatabaseError, connections
from django.utils import timezone

from ..models import Notification

logger = logging.getLogger("notify_admin.delivery")


class LeaseKeeper:
    """Renews a batch's lease while the batch is being sent.

    A slow but working provider must not let the lease run out: another worker
    would then claim the rows in flight and send them a second time. Every
    third of the lease, a background thread (with its own connection) pushes
    ``claimed_until`` forward; a worker that dies stops renewing, so its rows
    still come back after one lease.
    """

    def __init__(self, token, lease_seconds):
        self.token = token
        self.lease_seconds = lease_seconds
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._renew, name="notify-admin-lease", daemon=True
        )

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stopped.set()
        self.thread.join()

    def _renew(self):
        try:
            while not self.stopped.wait(self.lease_seconds / 3):
                until = timezone.now() + timedelta(seconds=self.lease_seconds)
                try:
                    Notification.objects.filter(claim_token=self.token).update(
                        claimed_until=until
                    )
                except DatabaseError:
                    logger.warning(
                        "Could not renew lease %s", self.token, exc_info=True
                    )
                    # A dropped connection stays broken: the next renewal
                    # must open a new one.
                    connections.close_all()
        finally:
            # This thread's own connections (connections are per thread).
            connections.close_all()
