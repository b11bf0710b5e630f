"""Whether a user's preferences let a notification go. Pure functions.

The claim runs the same rule as SQL (``NotificationQuerySet.with_consent``,
``preference_block`` in models/notification_queryset.py); a test checks
that the two agree on every case.
"""

from ..models.notification_queryset import BLOCKED_BY_CATEGORY, BLOCKED_BY_PREFERENCE

__all__ = ["BLOCKED_BY_CATEGORY", "BLOCKED_BY_PREFERENCE", "preference_block"]


def preference_block(*, critical, choice, off_by_default):
    """Why a notification may not go ("" when it may).

    ``critical``: its category is critical; ``choice``: the user's own
    choice for (category, channel), True / False, or None when they made
    none; ``off_by_default``: the category is off by default on the channel.

    1. A critical category always goes (only the opt-out stops it).
    2. Else the user's choice, if any.
    3. Else the category's default for the channel.
    """
    if critical:
        return ""
    if choice is not None:
        return "" if choice else BLOCKED_BY_PREFERENCE
    return BLOCKED_BY_CATEGORY if off_by_default else ""


def is_enabled(*, critical, choice, off_by_default):
    """Whether the user gets this category on this channel."""
    return not preference_block(
        critical=critical, choice=choice, off_by_default=off_by_default
    )
