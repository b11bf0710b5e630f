"""Which channels offer feedback, and how.

A channel may offer receipts to poll (``check_receipts(ticket_ids) ->
{ticket_id: Verdict}``) and/or declare a webhook it receives (Twilio's status
callback, anymail's tracking signal for email).
"""

from ..channels.registry import BUILT_IN, get_channel


def receipt_channels(module_names=None):
    """``(module_name, channel)`` for each built-in channel with receipts
    (a new instance each: the caller opens it for its run), of
    ``module_names`` only if given (the others' modules are not loaded)."""
    for module_name in BUILT_IN:
        if module_names is not None and module_name not in module_names:
            continue
        channel = get_channel(module_name)
        if callable(channel.check_receipts):
            yield module_name, channel


def channels_with_records():
    """The built-in module names whose target has records at all (one query):
    a channel nobody has an address in has sent nothing to ask about, and
    loading its module would import its SDK at every run's start."""
    from ..models import NotificationTarget

    return set(
        NotificationTarget.objects.filter(
            notification_module_name__in=list(BUILT_IN), user_records__isnull=False
        )
        .values_list("notification_module_name", flat=True)
        .distinct()
    )
