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

from .base import Channel, Outcome


def channel_for_module(module, module_name):
    """A new channel instance for ``module``, or None if it provides none."""
    candidate = getattr(module, "channel", None)
    if isinstance(candidate, Channel):
        return candidate.copy()
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
    """Adapts a module with the original package's functions to a Channel.

    One message a call, on the calling thread: such a function may read the
    database (the original handlers read ``notification.user_target.user``).
    Its settings, if any, are ``NOTIFICATION_SYSTEM_TARGETS[module_name]``.
    """

    concurrency = 1

    def __init__(self, module, module_name, **settings):
        super().__init__(**settings)
        self.module = module
        self.module_name = module_name
        self.provider_key = module_name

    def copy(self):
        return type(self)(self.module, self.module_name, **self.overrides)

    def create_notification(self, user, title, body, *args, **kwargs):
        create = getattr(self.module, "create_notification", None)
        if create is None:
            return super().create_notification(user, title, body, *args, **kwargs)
        return create(user, title, body, *args, **kwargs)

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
