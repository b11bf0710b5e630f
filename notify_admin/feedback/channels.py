"""Which channels offer feedback, read from their declarations.

A channel may offer receipts to poll (``check_receipts(ticket_ids) ->
{ticket_id: Verdict}``) and/or webhook views (``Channel.webhooks``, mounted
by :func:`notify_admin.feedback.webhooks.receive`). Every registered channel
is asked, built-in or extra.
"""

from ..channels.registry import get_channel, registered


def receipt_channels():
    """``(module_name, channel)`` for each registered channel with receipts
    (a new instance each: the caller opens it for its run)."""
    for module_name, channel_type in registered():
        if callable(channel_type.check_receipts):
            yield module_name, get_channel(module_name)


def webhook_channels():
    """``(module_name, channel class)`` for each channel with webhooks."""
    return [(name, found) for name, found in registered() if found.webhooks]
