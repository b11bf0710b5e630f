"""Sending: hand each channel its rows, through the run's own channel instances.

A run builds each channel once, at the first batch that needs it, checks its
settings, opens it, and keeps it open until the run ends
(:meth:`RunChannels.close`). A channel whose provider is not configured is
never called: its rows go back untouched (no attempt, no retry spent) and the
run says which setting is missing. A channel whose provider refuses its
credentials (an ``Outcome.CREDENTIALS`` answer), or that raises
``ImproperlyConfigured`` once open (at open, build or transmit), is treated
the same way from then on, and its targets are paused with the provider's
reason (source "credentials" / "configuration"): staff resume them once the
setting is fixed. Each channel gets the run's :class:`~.gate.Gate` (circuit
breaker, shared rate limit); rows it holds back are released untouched too,
and the run stops claiming that target. Whatever a channel does, every other
row gets exactly one Outcome.
"""

import logging
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

from .. import conf
from ..channels.outcome import Outcome, describe_error
from ..channels.registry import get_channel
from ..exceptions import UnknownChannel
from ..models import NotificationTarget, TargetPause
from .backoff import breaker_trips
from .gate import Breaker, Gate
from .limits import limiter_for
from .logs import log_event

logger = logging.getLogger("notify_admin.delivery")


class NotConfigured(Exception):
    """A channel's provider settings are missing (a configuration error, not
    a delivery failure)."""

    def __init__(self, module_name, missing):
        self.module_name = module_name
        self.missing = list(missing)
        super().__init__(f"{module_name}: {', '.join(self.missing)}")


#: Why a row was released untouched (the RunResult counter it goes to).
NOT_CONFIGURED, PAUSED, HELD = "not_configured", "paused", "held"


@dataclass
class Sent:
    """What sending a batch's groups gave."""

    #: notification pk -> Outcome, for every row tried.
    outcomes: dict = field(default_factory=dict)
    #: notification pk -> why it went back untouched (NOT_CONFIGURED, HELD).
    released: dict = field(default_factory=dict)
    #: module name -> (TargetPause source, reason): targets to pause.
    pauses: dict = field(default_factory=dict)
    #: (module name, "tripped" / "recovered" / "capped", reason): what the
    #: gates decided, for the run to write (:mod:`.backoff`).
    gate_changes: list = field(default_factory=list)


class RunChannels:
    """The channels of one run, each built, checked and opened once."""

    def __init__(self, probe_first=True):
        #: Whether a channel whose breaker tripped in an earlier run starts
        #: by sending one probe (a cron run) or as usual ("send now").
        self.probe_first = probe_first
        self.channels = {}
        #: module name -> the settings (or the configuration error) missing.
        self.not_configured = {}
        #: module name -> (source, reason) of the pause this run asked for.
        self.paused = {}
        #: The same, not yet handed to the run to write.
        self.new_pauses = {}
        #: module name -> the channel's Gate.
        self.gates = {}
        #: module name -> breaker trips in a row before this run (read once,
        #: in the run's thread: see ``load_backoffs``).
        self.trips = None

    def send_groups(self, groups):
        """Send ``{module_name: rows}``; return a :class:`Sent`."""
        sent = Sent()
        for module_name, rows in groups.items():
            try:
                answered = self.send_group(module_name, rows)
            except NotConfigured:
                sent.released.update(
                    dict.fromkeys((n.pk for n in rows), NOT_CONFIGURED)
                )
                continue
            for pk, outcome in answered.items():
                if outcome.kind in (Outcome.CREDENTIALS, Outcome.CONFIGURATION):
                    if module_name not in self.paused:
                        self.refuse_credentials(module_name, outcome)
                    sent.released[pk] = NOT_CONFIGURED
                elif outcome.kind == Outcome.HELD:
                    sent.released[pk] = HELD
                else:
                    sent.outcomes[pk] = outcome
        sent.pauses, self.new_pauses = self.new_pauses, {}
        sent.gate_changes = self.take_gate_changes()
        return sent

    def send_group(self, module_name, rows):
        """Hand one channel its rows; whatever happens, an outcome per row
        (or NotConfigured for all of them)."""
        try:
            channel = self.channel(module_name)
        except NotConfigured:
            raise
        except UnknownChannel as err:
            return same(rows, Outcome.permanent("unknown_channel", str(err)))
        except Exception as err:
            logger.exception("Could not load the channel %r", module_name)
            return same(rows, Outcome.transient("channel_error", describe_error(err)))
        try:
            outcomes = channel.send_batch(rows) or {}
        except ImproperlyConfigured as err:
            raise self.refuse_configuration(module_name, err) from err
        except Exception as err:
            logger.exception("Channel %r failed on a batch", module_name)
            return same(rows, Outcome.transient("channel_error", describe_error(err)))
        missing = Outcome.transient("no_outcome", f"{channel!r} reported no outcome.")
        return {n.pk: outcomes.get(n.pk) or missing for n in rows}

    def channel(self, module_name):
        if module_name in self.not_configured:
            raise NotConfigured(module_name, self.not_configured[module_name])
        channel = self.channels.get(module_name)
        if channel is None:
            channel = get_channel(module_name)
            missing = channel.missing_settings()
            if missing:
                raise self.refuse(module_name, missing)
            try:
                channel.open()
            except ImproperlyConfigured as err:
                raise self.refuse_configuration(module_name, err) from err
            channel.gate = self.gate(module_name, channel)
            self.channels[module_name] = channel
        return channel

    def gate(self, module_name, channel):
        trips = (self.trips or {}).get(module_name, 0)
        breaker = Breaker(
            conf.breaker_threshold(channel.settings),
            probing=trips > 0 and self.probe_first,
            backing_off=trips > 0,
        )
        limiter = limiter_for(
            channel.provider_key or module_name,
            channel.setting("rate_limit"),
            channel.setting("daily_limit"),
        )
        self.gates[module_name] = Gate(breaker, limiter)
        return self.gates[module_name]

    def load_backoffs(self):
        """Read, once per run and in the run's thread, which channels start
        by probing (their breaker tripped in an earlier run)."""
        if self.trips is None:
            self.trips = breaker_trips()

    def stopped(self):
        """Module names the run claims nothing more of: not configured,
        paused, their breaker open or their daily cap reached."""
        names = set(self.not_configured) | set(self.paused)
        names.update(name for name, gate in self.gates.items() if gate.stopped)
        return sorted(names)

    def take_gate_changes(self):
        changes = []
        for module_name, gate in self.gates.items():
            change = gate.breaker.take_change()
            if change:
                changes.append((module_name, change, gate.breaker.reason))
            if gate.capped and not gate.cap_written:
                gate.cap_written = True
                changes.append((module_name, "capped", gate.daily_text()))
        return changes

    def setting_place(self, module_name):
        channel = self.channels.get(module_name)
        return conf.target_setting_name(
            getattr(channel, "provider_key", "") or module_name, "…"
        ).replace('["…"]', "")

    def refuse_credentials(self, module_name, outcome):
        """The provider refused the channel's credentials (or the channel
        raised ImproperlyConfigured while sending): not configured for the
        rest of the run, and its targets paused with the reason."""
        reason = outcome.error_message or outcome.error_code or "refused"
        if outcome.kind == Outcome.CONFIGURATION:
            source = TargetPause.CONFIGURATION
            missing = f"a working configuration ({reason})"
        else:
            source = TargetPause.CREDENTIALS
            missing = (
                f"valid credentials in {self.setting_place(module_name)} "
                f"(the provider said: {reason})"
            )
        self.paused[module_name] = self.new_pauses[module_name] = (source, reason)
        self.refuse(module_name, [missing])

    def refuse_configuration(self, module_name, err):
        """``ImproperlyConfigured`` once the channel is open: paused."""
        reason = describe_error(err)
        pause = (TargetPause.CONFIGURATION, reason)
        self.paused[module_name] = self.new_pauses[module_name] = pause
        return self.refuse(module_name, [reason])

    def refuse(self, module_name, missing):
        self.not_configured[module_name] = list(missing)
        log_event(
            logger,
            logging.WARNING,
            "channel not configured",
            channel=module_name,
            missing=",".join(missing),
        )
        return NotConfigured(module_name, missing)

    def close(self):
        for module_name, channel in self.channels.items():
            try:
                channel.close()
            except Exception:
                logger.exception("Could not close the channel %r", module_name)
        for gate in self.gates.values():
            if gate.limiter is not None:
                gate.limiter.close()
        self.channels = {}


def same(rows, outcome):
    return {n.pk: outcome for n in rows}


def not_configured_targets(queryset=None):
    """``{NotificationTarget: [missing setting names]}`` for the targets of
    ``queryset``'s notifications (all targets when None) whose provider is
    not configured: what a send would leave unsent. Unknown channels are not
    listed (they are a different problem, reported by the system checks).
    One query, no network.
    """
    targets = NotificationTarget.objects.order_by("name")
    if queryset is not None:
        targets = targets.filter(pk__in=queryset.values("user_target__target_id"))
    found = {}
    for target in targets:
        try:
            missing = get_channel(target.notification_module_name).missing_settings()
        except Exception:
            continue
        if missing:
            found[target] = missing
    return found
