"""The idempotency key's rules for :func:`notify_admin.creators.create_once`:
what a key may be, the row that holds it, and that it belongs to the same
user (docs/idempotency.md)."""

from .exceptions import IdempotencyKeyConflict, NotificationsNotCreated
from .models import Notification


def checked_key(key):
    from .models.notification import IDEMPOTENCY_KEY_MAX_LENGTH

    if not isinstance(key, str) or not key.strip():
        raise NotificationsNotCreated(
            "Notifications could not be created: the idempotency key must be "
            f"a non-empty string, not {key!r:.60}."
        )
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or "\x00" in key:
        raise NotificationsNotCreated(
            "Notifications could not be created: the idempotency key must be "
            f"at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters, without NUL."
        )
    return key


def keyed(key):
    return (
        Notification.objects.filter(idempotency_key=key)
        .select_related("user_target")
        .first()
    )


def same_user(existing, user, key):
    if existing.user_target.user_id != user.pk:
        raise IdempotencyKeyConflict(
            f"Notifications could not be created: the idempotency key {key!r:.80} "
            f"names a notification of another user."
        )
    return existing
