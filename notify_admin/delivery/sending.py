"""Sending: hand each channel its rows, through the run's own channel instances.

A run builds each channel once, at the first batch that needs it, checks its
settings, opens it, and keeps it open until the run ends
(:meth:`RunChannels.close`). A channel whose provider is not configured is
never called: its rows go back untouched (no attempt, no retry spent) and the
run says which setting is missing. A channel whose provider refuses its
credentials (an ``Outcome.CREDENTIALS`` answer) is treated the same way from
then on: the rows that got that answer go back untouched too, and the run
sends it nothing more. Whatever a channel does, every other row gets exactly
one Outcome.
"""

import logging

from django.core.exceptions import ImproperlyConfigured

from .. import conf
from ..channels.outcome import Outcome, describe_error
from ..channels.registry import get_channel
from ..exceptions import UnknownChannel
from ..models import NotificationTarget
from .logs import log_event

logger = logging.getLogger("notify_admin.delivery")


class NotConfigured(Exception):
    """A channel's provider settings are missing (a configuration error, not
    a delivery failure)."""

    def __init__(self, module_name, missing):
        self.module_name = module_name
        self.missing = list(missing)
        super().__init__(f"{module_name}: {', '.join(self.missing)}")


class RunChannels:
    """The channels of one run, each built, checked and opened once."""

    def __init__(self):
        self.channels = {}
        #: module name -> the settings (or the configuration error) missing.
        self.not_configured = {}

    def send_groups(self, groups):
        """Send ``{module_name: rows}``; return ``(outcomes, not_configured_pks)``."""
        outcomes, unsent = {}, []
        for module_name, rows in groups.items():
            try:
                sent = self.send_group(module_name, rows)
            except NotConfigured:
                unsent.extend(n.pk for n in rows)
                continue
            refused = [pk for pk, o in sent.items() if o.kind == Outcome.CREDENTIALS]
            if refused:
                self.refuse_credentials(module_name, sent[refused[0]])
                unsent.extend(refused)
            outcomes.update(
                {pk: o for pk, o in sent.items() if o.kind != Outcome.CREDENTIALS}
            )
        return outcomes, unsent

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
            raise self.refuse(module_name, [describe_error(err)]) from err
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
                raise self.refuse(module_name, [describe_error(err)]) from err
            self.channels[module_name] = channel
        return channel

    def refuse_credentials(self, module_name, outcome):
        """The provider refused the channel's credentials: not configured for
        the rest of the run (issue 22 pauses the target on it)."""
        channel = self.channels.get(module_name)
        where = conf.target_setting_name(
            getattr(channel, "provider_key", "") or module_name, "…"
        ).replace('["…"]', "")
        reason = outcome.error_message or outcome.error_code or "refused"
        self.refuse(
            module_name, [f"valid credentials in {where} (the provider said: {reason})"]
        )

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
