"""Which channels offer feedback, and how.

A channel may offer receipts to poll (``check_receipts(ticket_ids) ->
{ticket_id: Verdict}``) and/or declare a webhook it receives (Twilio's status
callback, anymail's tracking signal for email).
"""

from ..channels.registry import BUILT_IN, get_channel


def receipt_channels():
    """``(module_name, channel)`` for each built-in channel with receipts
    (a new instance each: the caller opens it for its run)."""
    for module_name in BUILT_IN:
        channel = get_channel(module_name)
        if callable(channel.check_receipts):
            yield module_name, channel
