"""The outcome vocabulary: every provider answer becomes one Outcome."""

from dataclasses import dataclass, field


@dataclass
class Outcome:
    """One provider answer, mapped to the engine's small vocabulary.

    ``kind`` is one of SENT, TRANSIENT (try again later), PERMANENT (fail now),
    DEAD_ADDRESS (fail now and make the user's record inactive), CREDENTIALS
    (the provider refused our account or key: nothing is wrong with the
    message, so the row is released as it was, no retry spent, the channel
    is treated as not configured for the rest of the run and its target is
    paused), CONFIGURATION (the channel raised ImproperlyConfigured once
    open: the same as CREDENTIALS).

    HELD is not a provider answer: the run did not send the message (the
    circuit breaker is open, or the daily cap is reached), and the row is
    released as it was, untried.
    """

    SENT = "sent"
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    DEAD_ADDRESS = "dead_address"
    CREDENTIALS = "credentials"
    CONFIGURATION = "configuration"
    HELD = "held"
    KINDS = (SENT, TRANSIENT, PERMANENT, DEAD_ADDRESS, CREDENTIALS, CONFIGURATION, HELD)
    #: Kinds that release the row as it was (no attempt, no retry spent).
    UNTRIED = (CREDENTIALS, CONFIGURATION, HELD)

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
    def credentials(cls, code="", message="", response=None):
        """The provider refused the account, key or token (Twilio 20003, HTTP
        401, SMTP 535): see ``CREDENTIALS``."""
        return cls._error(cls.CREDENTIALS, code, message, response)

    @classmethod
    def configuration(cls, err):
        """The channel raised ``ImproperlyConfigured`` (``err``) while
        building or sending: see ``CONFIGURATION``."""
        return cls._error(
            cls.CONFIGURATION, type(err).__name__, describe_error(err), None
        )

    @classmethod
    def held(cls, code, message=""):
        """The run held the message back without sending it: see ``HELD``."""
        return cls._error(cls.HELD, code, message, None)

    @classmethod
    def of_kind(cls, kind, code="", message="", response=None):
        """An error outcome of ``kind`` (a verdict table's answer)."""
        return cls._error(kind, code, message, response)

    @classmethod
    def _error(cls, kind, code, message, response):
        return cls(
            kind,
            error_code=str(code or "")[:100],
            error_message=str(message or ""),
            response=response or {},
        )


def describe_error(err):
    """A short, single-line description of an exception for the attempt row."""
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
