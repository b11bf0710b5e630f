"""Channels provided by plain modules (extra channels).

An extra channel module, found through ``NOTIFICATION_SYSTEM_HANDLERS`` /
``NOTIFICATION_SYSTEM_CREATORS``, provides one of:

- ``channel``: an instance of :class:`notify_admin.channels.base.Channel`
  (each run works on a ``copy()`` of it), or
- ``Channel``: a subclass of it (built with no arguments, once per run), or
- the original package's functions: ``send_notification(notification)``
  (returns anything on success, such as a provider id; raises on failure, which
  is retried) and optionally ``create_notification(...)``. These run through
  :class:`FunctionChannel`, an adapter on the same contract: build is the
  notification itself, transmit calls ``send_notification``, classify maps its
  return value.

``send_notification`` may also return an :class:`~notify_admin.channels.base.Outcome`
to report a permanent failure or a dead address.
"""

import functools

from .base import Channel, Outcome


def channel_type_for_module(module, module_name):
    """The channel class ``module`` provides (its declarations), or None."""
    candidate = getattr(module, "channel", None)
    if isinstance(candidate, Channel):
        return type(candidate)
    candidate = getattr(module, "Channel", None)
    if isinstance(candidate, type) and issubclass(candidate, Channel):
        return candidate
    if callable(getattr(module, "send_notification", None)) or callable(
        getattr(module, "create_notification", None)
    ):
        return function_channel_type(module, module_name)
    return None


def channel_for_module(module, module_name):
    """A new channel instance for ``module``, or None if it provides none."""
    candidate = getattr(module, "channel", None)
    if isinstance(candidate, Channel):
        return candidate.copy()
    channel_type = channel_type_for_module(module, module_name)
    if channel_type is None:
        return None
    instance = channel_type()
    instance.module_name = instance.module_name or module_name
    return instance


@functools.cache
def function_channel_type(module, module_name):
    """A FunctionChannel class bound to ``module`` (one per module)."""
    return type(
        f"FunctionChannel[{module_name}]",
        (FunctionChannel,),
        {"module": module, "module_name": module_name, "provider_key": module_name},
    )


class FunctionChannel(Channel):
    """Adapts a module with the original package's functions to a Channel.

    One message a call, on the calling thread: such a function may read the
    database (the original handlers read ``notification.user_target.user``),
    so it never sends from the pipeline's sending thread. Its settings, if
    any, are ``NOTIFICATION_SYSTEM_TARGETS[module_name]``. Built through
    :func:`function_channel_type`, which binds the module.
    """

    concurrency = 1
    sends_in_background = False
    module = None

    def build(self, notification):
        if getattr(self.module, "send_notification", None) is None:
            return Outcome.permanent(
                "no_sender",
                f"Module {self.module.__name__} has no "
                "send_notification(notification).",
            )
        return notification

    def transmit(self, messages):
        return [
            self.module.send_notification(notification) for notification in messages
        ]

    def classify(self, result):
        return Outcome.sent(str(result)[:200] if result is not None else "")
