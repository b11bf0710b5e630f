"""Message sizes: what a channel declares about how big a message may be.

A channel that limits or bills size answers :meth:`Channel.measure` with a
:class:`MessageSize`; the admin's Compose form shows its ``summary`` under the
body and refuses the message on ``error`` (or on ``confirm`` until the
sender ticks "Send long SMS"), and a notification's preview shows it too.

``sms_size`` is the SMS rule (GSM 03.38 septets or UCS-2 code units, through
the ``gsm0338`` codec); ``json_bytes`` the size of a JSON payload.
"""

import json
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class MessageSize:
    #: One line for people: "SMS: 170 characters, GSM-7, 2 segments."
    summary: str
    #: Set when the channel cannot send the message at all.
    error: str = ""
    #: Set when it can, at a cost the sender must accept first.
    confirm: str = ""
    #: The form error's code.
    code: str = ""


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def sms_size(body):
    """Characters, encoding and segments of an SMS body: 160 septets in one
    message, 153 per segment of a long one (``€``, ``{`` ... take two); any
    other character makes the body UCS-2 (70 / 67 UTF-16 code units)."""
    import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

    try:
        units = len(body.encode("gsm03.38"))
        encoding, single, per_segment = "GSM-7", 160, 153
    except UnicodeError:
        units = len(body.encode("utf-16-le")) // 2
        encoding, single, per_segment = "UCS-2", 70, 67
    segments = 1 if units <= single else math.ceil(units / per_segment)
    return SmsSize(encoding, len(body), units, segments)


def json_bytes(payload):
    """Bytes of ``payload`` as compact UTF-8 JSON."""
    return len(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
