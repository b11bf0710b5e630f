"""Sizes of a rendered message, measured by the console's existing rules.

The SMS segment count (GSM-7 / UCS-2) and the Expo payload size are those of
:mod:`notify_admin.admin.message_sizes` (the Compose form's): called here, not
rewritten, so the two never disagree. They are imported at call time, as
rendering runs in processes that never show the admin.
"""

#: Twilio refuses a message body longer than this (error 21617).
SMS_MAX_CHARACTERS = 1600
#: Segments an SMS may take before "allow long SMS" must be ticked.
SMS_SEGMENTS_WITHOUT_CONSENT = 1


def sms_size(text):
    """``SmsSize(encoding, characters, units, segments)`` of an SMS body."""
    from ..admin.message_sizes import sms_size as measure

    return measure(text)


def push_size(title, body, extra):
    """Bytes of the JSON Expo would receive for this push message."""
    from ..admin.message_sizes import push_payload_size

    return push_payload_size(title, body, extra)


def push_limit():
    """The most bytes Expo accepts in one push message."""
    from ..admin.message_sizes import EXPO_PAYLOAD_LIMIT

    return EXPO_PAYLOAD_LIMIT
