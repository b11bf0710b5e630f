"""Which channels offer feedback, and how.

A channel may offer receipts to poll (``check_receipts(ticket_ids) ->
{ticket_id: Verdict}``) and/or declare a webhook it receives (Twilio's status
callback, anymail's tracking signal for email).
"""

from ..channels.registry import BUILT_IN, get_channel


def receipt_channels():
    """``(module_name, channel)`` for each built-in channel with receipts
    (a new instance each: the caller opens it for its run).

    Only channels whose target has records at all (one query): a channel
    nobody has an address in has sent nothing to ask about, and loading its
    module would import its SDK at every run (start-up of a cron run)."""
    from ..models import NotificationTarget

    used = set(
        NotificationTarget.objects.filter(
            notification_module_name__in=list(BUILT_IN), user_records__isnull=False
        )
        .values_list("notification_module_name", flat=True)
        .distinct()
    )
    for module_name in BUILT_IN:
        if module_name not in used:
            continue
        channel = get_channel(module_name)
        if callable(channel.check_receipts):
            yield module_name, channel
