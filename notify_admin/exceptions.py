"""One exception tree for notify_admin.

Everything raised on purpose by the library derives from
:class:`NotificationSystemError` and chains its cause (``raise ... from err``).
Configuration problems are not in this tree: they raise Django's
``ImproperlyConfigured`` and are reported by the system checks.
"""


class NotificationSystemError(Exception):
    """Root of the notify_admin exception tree."""


class UserIsOptedOut(NotificationSystemError):
    """The user has an active opt-out; nothing may be created for them."""


class UserHasNoTargetRecords(NotificationSystemError):
    """The user has no active address in the requested target."""


class NotificationsNotCreated(NotificationSystemError):
    """A creator was asked for notifications and none could be created."""


class IdempotencyKeyConflict(NotificationsNotCreated):
    """``create_once`` was given a key that names another user's notification
    (keys are global: one key, one notification)."""


class UnknownChannel(NotificationSystemError, LookupError):
    """A ``notification_module_name`` resolves to no channel.

    Raised by :func:`notify_admin.channels.registry.get_channel`; the delivery
    engine records it on the attempt instead of letting it stop a run.
    """

    def __init__(self, module_name, searched=()):
        self.module_name = module_name
        self.searched = tuple(searched)
        where = ", ".join(self.searched) or "the built-in channels"
        super().__init__(
            f"No notification channel named {module_name!r} (looked in {where})."
        )


class TemplateError(NotificationSystemError):
    """A message template cannot be used as asked (:mod:`notify_admin.rendering`)."""


class TemplateNotFound(TemplateError, LookupError):
    """No template has this key, or it has no version in any fallback language."""


class TemplateChannelMissing(TemplateError):
    """The template leaves out the channel a notification was asked for on."""

    def __init__(self, message, *, template_key="", part=""):
        self.template_key = template_key
        self.part = part
        super().__init__(message)


class TemplateRenderError(TemplateError, ValueError):
    """The template could not be rendered with these values.

    ``problems`` lists :class:`notify_admin.rendering.Problem` items (field and
    message); ``missing`` names the personalisation values that were missing.
    """

    def __init__(self, problems, *, missing=(), recipient=None):
        self.problems = list(problems)
        self.missing = list(missing)
        self.recipient = recipient
        text = "; ".join(problem.message for problem in self.problems)
        if recipient is not None:
            text = f"{recipient}: {text}"
        super().__init__(text)
