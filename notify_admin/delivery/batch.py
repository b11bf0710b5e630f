"""The batch: one claim's rows on their way from claim to record.

``split`` sorts the claimed rows before anything is sent: rows of opted-out
users (recorded OPTED_OUT, never sent), rows whose record is inactive (an
outcome without a provider call), and the rest grouped by channel.
"""

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from ..channels.outcome import Outcome
from ..channels.registry import channel_type
from ..exceptions import UnknownChannel


@dataclass
class Batch:
    token: uuid.UUID
    rows: list
    keeper: object = None  # the LeaseKeeper renewing this batch's lease
    #: Rows tried (with an outcome each once sent).
    to_send: list = field(default_factory=list)
    opted_out: list = field(default_factory=list)
    #: module name -> rows for that channel.
    groups: dict = field(default_factory=dict)
    #: notification pk -> Outcome.
    outcomes: dict = field(default_factory=dict)
    #: Rows not sent because their channel is not configured: released as
    #: they were, with no attempt.
    released: list = field(default_factory=list)
    sending: object = None  # the Future of the send, once submitted
    claimed_at: float = field(default_factory=time.monotonic)
    send_seconds: float = 0.0

    def take_results(self, outcomes, not_configured_pks):
        """Keep what sending returned: outcomes, and rows handed back unsent."""
        self.outcomes.update(outcomes)
        if not_configured_pks:
            unsent = set(not_configured_pks)
            self.released = [n for n in self.to_send if n.pk in unsent]
            self.to_send = [n for n in self.to_send if n.pk not in unsent]


def split(batch):
    """Sort a batch's rows: opted out, inactive records, and per channel."""
    groups = defaultdict(list)
    for notification in batch.rows:
        if notification.user_opted_out:
            batch.opted_out.append(notification)
            continue
        batch.to_send.append(notification)
        if not notification.user_target.active:
            batch.outcomes[notification.pk] = Outcome.dead_address(
                "inactive_record", "The user's target record is inactive."
            )
        else:
            module_name = notification.user_target.target.notification_module_name
            groups[module_name].append(notification)
    batch.groups = dict(groups)
    return batch


def in_background(groups):
    """Whether a batch may be sent from the pipeline's sending thread.

    Each channel says so (``Channel.sends_in_background``), built-in or
    extra. One that may read the database while sending (the original
    package's handlers read ``notification.user_target.user``) sends on the
    run's own thread and database connection, which sees what the run sees,
    in a test's transaction too. An unknown channel sends nothing.
    """
    return all(_sends_in_background(module_name) for module_name in groups)


def _sends_in_background(module_name):
    try:
        return channel_type(module_name).sends_in_background
    except UnknownChannel:
        return True
    except Exception:
        # A module that fails to load fails its rows on the run's thread.
        return False
