"""Channels provided by plain modules (extra channels).

An extra channel module, found through ``NOTIFICATION_SYSTEM_HANDLERS`` /
``NOTIFICATION_SYSTEM_CREATORS``, provides one of:

- ``channel``: an instance of :class:`notify_admin.channels.base.Channel`, or
- ``Channel``: a subclass of it (instantiated without arguments), or
- the original package's functions: ``send_notification(notification)``
  (returns anything on success, such as a provider id; raises on failure, which
  is retried) and optionally ``create_notification(...)``.

``send_notification`` may also return an :class:`~notify_admin.channels.base.Outcome`
to report a permanent failure or a dead address.
"""

from .base import Channel, Outcome, describe_error


def channel_for_module(module, module_name):
    candidate = getattr(module, "channel", None)
    if isinstance(candidate, Channel):
        return candidate
    candidate = getattr(module, "Channel", None)
    if isinstance(candidate, type) and issubclass(candidate, Channel):
        instance = candidate()
        instance.module_name = instance.module_name or module_name
        return instance
    if callable(getattr(module, "send_notification", None)) or callable(
        getattr(module, "create_notification", None)
    ):
        return FunctionChannel(module, module_name)
    return None


class FunctionChannel(Channel):
    """Adapts a module with the original package's functions to a Channel."""

    def __init__(self, module, module_name):
        self.module = module
        self.module_name = module_name

    def create_notification(self, user, title, body, *args, **kwargs):
        create = getattr(self.module, "create_notification", None)
        if create is None:
            return super().create_notification(user, title, body, *args, **kwargs)
        return create(user, title, body, *args, **kwargs)

    def send_batch(self, notifications):
        send = getattr(self.module, "send_notification", None)
        if send is None:
            outcome = Outcome.permanent(
                "no_sender",
                f"Module {self.module.__name__} has no "
                "send_notification(notification).",
            )
            return {n.pk: outcome for n in notifications}
        return {n.pk: self._send_one(send, n) for n in notifications}

    def _send_one(self, send, notification):
        try:
            result = send(notification)
        except Exception as err:
            return Outcome.transient(type(err).__name__, describe_error(err))
        if isinstance(result, Outcome):
            return result
        return Outcome.sent(str(result)[:200] if result is not None else "")
