"""How big a composed message is, for the channels that limit or bill size.

Each channel declares its own rule (``Channel.measure``, see
:mod:`notify_admin.channels.sizes`): Compose and the notification preview
ask the channels of the records in use. The names below are the ones this
module has always exported.
"""

from ..channels.expo import PAYLOAD_LIMIT as EXPO_PAYLOAD_LIMIT
from ..channels.expo import SAMPLE_PUSH_TOKEN
from ..channels.expo import payload_size as push_payload_size
from ..channels.sizes import MessageSize, SmsSize, sms_size

__all__ = [
    "EXPO_PAYLOAD_LIMIT",
    "SAMPLE_PUSH_TOKEN",
    "MessageSize",
    "SmsSize",
    "push_payload_size",
    "sms_size",
]
