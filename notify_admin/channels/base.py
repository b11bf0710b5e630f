"""The base channel: what every channel module implements.

A channel turns notifications into provider calls and every provider answer
into one :class:`Outcome`. The delivery engine (``notify_admin.delivery``)
owns the sequence around it: claim, hand the batch to ``send_batch``, record
the outcomes. A channel never writes to the database while sending.

Contract for a channel (built-in or extra):

- ``module_name``: the ``NotificationTarget.notification_module_name`` it serves.
- ``send_batch(notifications) -> dict[notification.pk, Outcome]``: send every
  row, never raise for one bad row (an exception escaping ``send_batch`` makes
  the whole batch a transient failure).
- ``preview(notification) -> dict``: what would be sent, without the network.
- ``create_notification(...)``: the seed's creator signature.
"""

from dataclasses import dataclass, field


@dataclass
class Outcome:
    """One provider answer, mapped to the engine's small vocabulary.

    ``kind`` is one of SENT, TRANSIENT (try again later), PERMANENT (fail now),
    DEAD_ADDRESS (fail now and make the user's record inactive).
    """

    SENT = "sent"
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    DEAD_ADDRESS = "dead_address"

    kind: str
    provider_id: str = ""
    error_code: str = ""
    error_message: str = ""
    response: dict = field(default_factory=dict)

    @classmethod
    def sent(cls, provider_id="", response=None):
        return cls(
            cls.SENT, provider_id=str(provider_id or ""), response=response or {}
        )

    @classmethod
    def transient(cls, code="", message="", response=None):
        return cls._error(cls.TRANSIENT, code, message, response)

    @classmethod
    def permanent(cls, code="", message="", response=None):
        return cls._error(cls.PERMANENT, code, message, response)

    @classmethod
    def dead_address(cls, code="", message="", response=None):
        return cls._error(cls.DEAD_ADDRESS, code, message, response)

    @classmethod
    def _error(cls, kind, code, message, response):
        return cls(
            kind,
            error_code=str(code or "")[:100],
            error_message=str(message or ""),
            response=response or {},
        )


class Channel:
    """Base class of the channels; subclasses fill in the provider steps."""

    module_name = ""
    #: The NOTIFICATION_SYSTEM_TARGETS key holding this channel's settings.
    provider_key = ""
    #: Settings a target of this channel needs (checked by the system checks).
    required_settings = ()

    def __repr__(self):
        return f"<{type(self).__name__} {self.module_name!r}>"

    def create_notification(
        self,
        user,
        title,
        body,
        scheduled_delivery=None,
        retry_time_interval=0,
        max_retries=3,
        quiet=False,
        extra=None,
    ):
        """Create a notification for each of the user's active records of
        this channel (see :func:`notify_admin.creators.create_notification`)."""
        from ..creators import create_for_module

        return create_for_module(
            self.module_name,
            user,
            title,
            body,
            scheduled_delivery=scheduled_delivery,
            retry_time_interval=retry_time_interval,
            max_retries=max_retries,
            quiet=quiet,
            extra=extra,
        )

    def render_body(self, title, body, extra):
        """The body to store when the creator is given none (None: required)."""
        return None

    def preview(self, notification):
        return {
            "to": notification.user_target.target_user_id,
            "title": notification.title,
            "body": notification.body,
        }

    def send_batch(self, notifications):
        raise NotImplementedError(
            f"{type(self).__name__} must implement send_batch(notifications)."
        )

    def check_settings(self):
        """Names of required provider settings that are missing."""
        from .. import conf

        missing = []
        for key in self.required_settings:
            try:
                conf.get_target_setting(self.provider_key, key)
            except conf.ProviderNotConfigured:
                missing.append(conf.target_setting_name(self.provider_key, key))
        return missing


def describe_error(err):
    """A short, single-line description of an exception for the attempt row."""
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
