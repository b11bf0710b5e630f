"""What a provider's answers mean, declared once per channel.

A channel declares a :class:`VerdictTable`: its provider's error codes (and
HTTP statuses) mapped to one outcome kind. Its ``classify`` reads the table
when a message is sent (-> :class:`~notify_admin.channels.outcome.Outcome`),
and its feedback (receipts, status callbacks) reads the same table when the
provider reports back later (-> :class:`Verdict`), so one code never means
two things.

The verdict vocabulary lives here too (no database): feedback's rules in
:mod:`notify_admin.feedback.verdicts` decide what a verdict does to a row.
"""

from dataclasses import dataclass, field

from .outcome import Outcome

# Kinds of verdict (what a provider said after accepting a message).
NOTHING = "nothing"  # nothing to record (deferred, opened, unknown words)
PROGRESS = "progress"  # still on its way (queued, sent)
CONFIRMED = "confirmed"  # reached the device / mailbox
UNCONFIRMED = "unconfirmed"  # no receipt came within its lifetime
TRANSIENT = "transient"  # failed, worth another try
FAILED = "failed"  # failed for good, the address may be fine
DEAD = "dead"  # the address is dead: record inactive
COMPLAINED = "complained"  # the person marked it as spam: record inactive

# Provider status words by rank: an attempt takes a verdict only of a
# higher rank than the status it holds.
RANKS = {
    "": 0,
    **dict.fromkeys(["queued", "accepted", "scheduled", "sending", "sent"], 1),
    **dict.fromkeys(["delivered", "read", "ok", "unconfirmed"], 2),
    **dict.fromkeys(
        ["undelivered", "failed", "error", "bounced", "rejected", "canceled"], 3
    ),
    "complained": 4,
}

#: A failure's outcome kind -> the verdict feedback records for it. A
#: credential error reported after acceptance fails the message (the row was
#: already DELIVERED: there is nothing left to release).
VERDICT_OF_KIND = {
    Outcome.DEAD_ADDRESS: DEAD,
    Outcome.TRANSIENT: TRANSIENT,
    Outcome.PERMANENT: FAILED,
    Outcome.CREDENTIALS: FAILED,
}


@dataclass(frozen=True)
class Verdict:
    kind: str
    provider_status: str = ""
    error_code: str = ""
    description: str = ""
    payload: dict = field(default_factory=dict, compare=False)

    @property
    def rank(self):
        return RANKS.get(self.provider_status, 0) if self.kind != NOTHING else 0


def _codes(value):
    """``{code: description}`` with text keys, from a dict or an iterable."""
    if isinstance(value, dict):
        return {str(code): str(text) for code, text in value.items()}
    return {str(code): "" for code in value}


@dataclass(frozen=True)
class VerdictTable:
    """Provider error codes -> outcome kind, with a description per code.

    Each argument is a dict ``{code: description}`` (or a set of codes);
    codes are compared as text, so ``21211`` and ``"21211"`` are one code.
    ``http`` maps HTTP statuses to a kind ahead of the defaults of
    :meth:`http_kind` (4xx but 429: permanent; anything else, no status
    included: transient).
    """

    dead_address: dict = field(default_factory=dict)
    transient: dict = field(default_factory=dict)
    permanent: dict = field(default_factory=dict)
    credentials: dict = field(default_factory=dict)
    http: dict = field(default_factory=dict)

    def __post_init__(self):
        for name in ("dead_address", "transient", "permanent", "credentials"):
            object.__setattr__(self, name, _codes(getattr(self, name)))
        object.__setattr__(self, "http", {int(k): v for k, v in self.http.items()})

    def _groups(self):
        return (
            (Outcome.DEAD_ADDRESS, self.dead_address),
            (Outcome.CREDENTIALS, self.credentials),
            (Outcome.TRANSIENT, self.transient),
            (Outcome.PERMANENT, self.permanent),
        )

    def kind(self, code, default=None):
        """The outcome kind of provider ``code``, or ``default``."""
        code = str(code)
        for kind, codes in self._groups():
            if code in codes:
                return kind
        return default

    def describe(self, code):
        code = str(code)
        for _kind, codes in self._groups():
            if codes.get(code):
                return codes[code]
        return ""

    def http_kind(self, status):
        """The outcome kind of an HTTP error status."""
        if status in self.http:
            return self.http[status]
        if status is not None and 400 <= status < 500 and status != 429:
            return Outcome.PERMANENT
        return Outcome.TRANSIENT

    def outcome(self, code, message="", response=None, *, default=Outcome.PERMANENT):
        """The Outcome of an error answer carrying provider ``code``."""
        return Outcome.of_kind(self.kind(code, default), code, message, response)

    def verdict_kind(self, code, default=FAILED):
        """The verdict kind of a failure reported later with ``code``."""
        kind = self.kind(code)
        return VERDICT_OF_KIND[kind] if kind is not None else default
