"""How big a composed message is for the providers that bill or limit size.

- SMS: Twilio sends the body in segments. A body that the GSM 03.38 alphabet
  can hold is encoded in 7-bit septets (160 per single message, 153 per
  segment of a long one; ``€``, ``{`` and the other extension characters take
  two); any other character makes the whole body UCS-2 (70 / 67 UTF-16 code
  units). Encoding is done by the ``gsm0338`` codec.
- Push: Expo refuses a notification whose payload is over 4096 bytes.
"""

import json
import math
from dataclasses import dataclass

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

EXPO_PAYLOAD_LIMIT = 4096
# An Expo token of the usual length, for measuring a payload before sending.
SAMPLE_PUSH_TOKEN = "ExponentPushToken[" + "x" * 22 + "]"


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def sms_size(body):
    try:
        units = len(body.encode("gsm03.38"))
        encoding, single, per_segment = "GSM-7", 160, 153
    except UnicodeError:
        units = len(body.encode("utf-16-le")) // 2
        encoding, single, per_segment = "UCS-2", 70, 67
    segments = 1 if units <= single else math.ceil(units / per_segment)
    return SmsSize(encoding, len(body), units, segments)


def push_payload_size(title, body, extra=None):
    """Bytes of the JSON Expo would receive for this message."""
    # Imported here: the admin is loaded at every process start (delivery runs
    # included), and only composing a push message needs the Expo SDK.
    from exponent_server_sdk import PushMessage

    from ..channels.expo import PUSH_OPTIONS

    extra = extra if isinstance(extra, dict) else {}
    options = {key: extra[key] for key in PUSH_OPTIONS if key in extra}
    payload = PushMessage(
        to=SAMPLE_PUSH_TOKEN, title=title, body=body, **options
    ).get_payload()
    return len(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
