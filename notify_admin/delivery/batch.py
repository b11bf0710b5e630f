"""The batch: one claim's rows on their way from claim to record.

``split`` sorts the claimed rows before anything is sent: rows not to be
sent at all (recorded OPTED_OUT with their reason: the user's opt-out, a
preference, the category's default, an address that sent SMS STOP), rows
held by quiet hours or a blackout period (released with a later time), rows
whose record is inactive (an outcome without a provider call), and the rest
grouped by channel.
"""

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from ..channels.outcome import Outcome
from ..channels.registry import channel_type
from ..exceptions import UnknownChannel
from ..models import Notification


@dataclass
class Batch:
    token: uuid.UUID
    rows: list
    keeper: object = None  # the LeaseKeeper renewing this batch's lease
    #: Rows tried (with an outcome each once sent).
    to_send: list = field(default_factory=list)
    opted_out: list = field(default_factory=list)
    #: notification pk -> why it is not sent (Notification.REASON_*).
    opt_out_reasons: dict = field(default_factory=dict)
    #: notification pk -> (deferred until, reason): held, not sent now.
    deferred: dict = field(default_factory=dict)
    #: module name -> rows for that channel.
    groups: dict = field(default_factory=dict)
    #: notification pk -> Outcome.
    outcomes: dict = field(default_factory=dict)
    #: Rows not sent (their channel is not configured, its target paused, or
    #: held back by its gate): released as they were, with no attempt.
    released: list = field(default_factory=list)
    #: notification pk -> why it was released (a RunResult counter:
    #: "not_configured", "paused", "held").
    release_reasons: dict = field(default_factory=dict)
    #: module name -> (TargetPause source, reason): targets to pause.
    pauses: dict = field(default_factory=dict)
    #: What the channels' gates decided: (module name, change, reason).
    gate_changes: list = field(default_factory=list)
    sending: object = None  # the Future of the send, once submitted
    claimed_at: float = field(default_factory=time.monotonic)
    send_seconds: float = 0.0

    def take_results(self, sent):
        """Keep what sending returned (a ``sending.Sent``): outcomes, rows
        handed back unsent, the pauses and gate changes to write."""
        self.outcomes.update(sent.outcomes)
        self.pauses = dict(sent.pauses)
        self.gate_changes = list(sent.gate_changes)
        if sent.released:
            self.release(sent.released)

    def release(self, reasons):
        """Take the rows of ``reasons`` ({pk: counter}) out of the sending:
        they go back untouched."""
        self.release_reasons.update(reasons)
        self.released.extend(n for n in self.to_send if n.pk in reasons)
        self.to_send = [n for n in self.to_send if n.pk not in reasons]
        for module_name, rows in list(self.groups.items()):
            self.groups[module_name] = [n for n in rows if n.pk not in reasons]
            if not self.groups[module_name]:
                del self.groups[module_name]


def hold_paused(batch, paused_target_ids):
    """Release the rows of targets paused since the batch was claimed:
    checked just before the batch is handed to its channels."""
    if not paused_target_ids:
        return
    reasons = {
        n.pk: "paused"
        for rows in batch.groups.values()
        for n in rows
        if n.user_target.target_id in paused_target_ids
    }
    if reasons:
        batch.release(reasons)


def opt_out_reason(notification):
    """Why a claimed row is not to be sent at all ("" when it may be)."""
    if notification.user_opted_out:
        return Notification.REASON_OPT_OUT
    blocked = getattr(notification, "consent_block", "")
    if blocked:
        return blocked
    record = notification.user_target
    if not record.active and record.stopped_at is not None:
        return Notification.REASON_CHANNEL
    return ""


def split(batch, deferrals=None):
    """Sort a batch's rows: not to be sent, held (``deferrals``: pk ->
    (until, reason)), inactive records, and per channel."""
    groups = defaultdict(list)
    deferrals = deferrals or {}
    for notification in batch.rows:
        reason = opt_out_reason(notification)
        if reason:
            batch.opted_out.append(notification)
            batch.opt_out_reasons[notification.pk] = reason
            continue
        if notification.pk in deferrals:
            batch.deferred[notification.pk] = deferrals[notification.pk]
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
