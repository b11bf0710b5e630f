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
