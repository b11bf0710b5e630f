"""Changing preferences: through a grid, or an unsubscribe link; recorded.

Each function returns the changes it made, ``[(preference, created)]``; a
cell already as wanted changes nothing (so a replayed unsubscribe, or a grid
saved twice, writes nothing). Recipients' changes are recorded as
ConsentChange rows (:func:`record_recipient_changes`); staff changes go to
the admin log (notify_admin.admin.preference_grid).
"""

from django.db import transaction
from django.utils import timezone

from ..models import ConsentChange, NotificationCategory, NotificationPreference


def set_preference(user, category, target, enabled):
    """Set one cell; ``(preference, created)`` when it changed, else None.
    A critical category cannot be turned off: None."""
    if category.critical and not enabled:
        return None
    preference = NotificationPreference.objects.filter(
        user=user, category=category, target=target
    ).first()
    if preference is None:
        preference = NotificationPreference.objects.create(
            user=user, category=category, target=target, enabled=enabled
        )
        return preference, True
    if preference.enabled == enabled:
        return None
    preference.enabled = enabled
    preference.save(update_fields=["enabled", "modified"])
    return preference, False


def apply_grid(user, wanted):
    """``wanted``: ``[(cell, bool)]`` (see grid.wanted_from_post). Only cells
    whose value changes are written (an untouched cell keeps following its
    category's default)."""
    changes = []
    with transaction.atomic():
        for cell, enabled in wanted:
            if cell.critical or cell.enabled == enabled:
                continue
            changed = set_preference(user, cell.category, cell.target, enabled)
            if changed:
                changes.append(changed)
    return changes


def unsubscribe(user, category, target):
    """Turn ``category`` off on ``target`` for ``user``; with no category
    (it cannot be told), every non-critical category on that channel."""
    categories = (
        [category]
        if category is not None
        else list(NotificationCategory.objects.filter(critical=False))
    )
    changes = []
    with transaction.atomic():
        for each in categories:
            changed = set_preference(user, each, target, False)
            if changed:
                changes.append(changed)
    return changes


def record_recipient_changes(user, changes, via, detail=""):
    """One ConsentChange row per change a recipient made."""
    now = timezone.now()
    ConsentChange.objects.bulk_create(
        ConsentChange(
            user=user,
            at=now,
            via=via,
            category_id=preference.category_id,
            target_id=preference.target_id,
            enabled=preference.enabled,
            detail=detail[:200],
        )
        for preference, _created in changes
    )
