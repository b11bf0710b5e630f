"""Which channels offer feedback, and how.

A channel may offer receipts to poll (``check_receipts(ticket_ids) ->
{ticket_id: Verdict}``) and/or declare a webhook it receives (Twilio's status
callback, anymail's tracking signal for email).
"""

from ..channels.registry import BUILT_IN, get_channel


def receipt_checker(module_name):
    """The object whose ``check_receipts`` reads ``module_name``'s receipts."""
    channel = get_channel(module_name)
    if callable(getattr(channel, "check_receipts", None)):
        return channel
    if module_name == "expo":
        from .expo import ExpoReceipts

        return ExpoReceipts(channel)
    return None


def receipt_channels():
    """``(module_name, checker)`` for each built-in channel with receipts."""
    for module_name in BUILT_IN:
        checker = receipt_checker(module_name)
        if checker is not None:
            yield module_name, checker
