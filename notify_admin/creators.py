"""Creating notifications: the seed's ``create_notification`` for any target.

Every channel's ``create_notification`` ends here, so the rules live once:
an opted-out user gets nothing (UserIsOptedOut), a user without an active
record in the target gets nothing (UserHasNoTargetRecords), and calling twice
with the same arguments returns the rows the first call created.

Creating is not a channel's job: the channel classes know nothing of this
module. :func:`creator_for` gives the original package's per-module creator
(``create_notification(user, title, body, scheduled_delivery=None,
retry_time_interval=0, max_retries=3, quiet=False, extra=None)``); an extra
channel module with a ``create_notification`` of its own keeps it.

:func:`create_once` is ``create_notification`` with the caller's idempotency
key: one key, one notification, whoever asks again and however often
(a retried web request, a re-run script). See docs/idempotency.md.
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template import TemplateDoesNotExist
from django.utils import timezone

from .channels.registry import find_module, get_channel
from .exceptions import (
    IdempotencyKeyConflict,
    NotificationsNotCreated,
    UserHasNoTargetRecords,
    UserIsOptedOut,
)
from .idempotency import checked_key, keyed, same_user
from .models import (
    Notification,
    NotificationCategory,
    NotificationOptOut,
    NotificationTarget,
    TargetUserRecord,
)


def create_notification(
    user,
    title,
    body,
    *,
    target=None,
    scheduled_delivery=None,
    retry_time_interval=0,
    max_retries=3,
    quiet=False,
    extra=None,
    category=None,
):
    """Create one notification per active record of ``user`` in ``target``.

    ``target`` is a NotificationTarget, a target name, or None for every active
    record of the user. ``category`` is a NotificationCategory or its key
    (None: the default category); an unknown key raises
    NotificationsNotCreated. Raises UserIsOptedOut / UserHasNoTargetRecords /
    NotificationsNotCreated unless ``quiet`` (then returns ``[]``). Calling it
    twice with the same arguments creates no duplicate: the existing rows are
    returned.
    """
    records = TargetUserRecord.objects.filter(user=user, active=True).select_related(
        "target"
    )
    if target is not None:
        try:
            records = records.filter(target=_resolve_target(target))
        except UserHasNoTargetRecords:
            if quiet:
                return []
            raise
    try:
        category = _resolve_category(category)
    except NotificationsNotCreated:
        if quiet:
            return []
        raise
    return _create(
        user,
        list(records),
        title,
        body,
        scheduled_delivery=scheduled_delivery,
        retry_time_interval=retry_time_interval,
        max_retries=max_retries,
        quiet=quiet,
        extra=extra,
        category=category,
    )


def create_once(
    user,
    title,
    body,
    *,
    key,
    target=None,
    scheduled_delivery=None,
    retry_time_interval=0,
    max_retries=3,
    quiet=False,
    extra=None,
    category=None,
):
    """Create one notification for ``user`` unless ``key`` already names one.

    Returns ``(notification, created)``: the new row and True, or the row
    created earlier with ``key`` and False (whatever the other arguments say
    now: the key is the notification's identity, as a payment API's
    idempotency key is). Keys are global, chosen by the caller (e.g.
    ``f"order-{order.pk}-shipped-sms"``), unique while their row exists: once
    retention deletes the row, the key is free again. Safe under concurrent
    calls: two callers racing with one key get the same row (the unique
    index decides, the loser reads the winner's row).

    One key makes one notification, so the arguments must name one address:
    ``target`` is a NotificationTarget, a target name or one of the user's
    TargetUserRecords; with several active addresses left, nothing is
    created and NotificationsNotCreated says so (give a key per target).
    A key naming another user's notification raises IdempotencyKeyConflict.
    Otherwise as :func:`create_notification` (``quiet``: ``(None, False)``
    instead of UserIsOptedOut / UserHasNoTargetRecords /
    NotificationsNotCreated).
    """
    try:
        key = checked_key(key)
        existing = keyed(key)
        if existing is not None:
            return same_user(existing, user, key), False
        records = _records_for_once(user, target)
        category = _resolve_category(category)
        if len(records) > 1:
            raise NotificationsNotCreated(
                f"Notifications could not be created: create_once makes one "
                f"notification per key, and user {user.pk} has {len(records)} "
                f"active addresses here ("
                + ", ".join(sorted({r.target.name for r in records}))
                + "). Pass target= (a target or one of the user's records), "
                "with a key per target."
            )
        try:
            created = _create(
                user,
                records,
                title,
                body,
                scheduled_delivery=scheduled_delivery,
                retry_time_interval=retry_time_interval,
                max_retries=max_retries,
                extra=extra,
                category=category,
                key=key,
            )
        except IntegrityError:
            # Another caller inserted the key since we looked: theirs wins.
            existing = keyed(key)
            if existing is None:
                raise
            return same_user(existing, user, key), False
        return created[0], True
    except (UserIsOptedOut, UserHasNoTargetRecords, NotificationsNotCreated) as err:
        if quiet and not isinstance(err, IdempotencyKeyConflict):
            return None, False
        raise


def _records_for_once(user, target):
    if isinstance(target, TargetUserRecord):
        if target.user_id != user.pk or not target.active:
            raise UserHasNoTargetRecords(
                f"Record {target.pk} is not an active address of user {user.pk}."
            )
        return [target]
    records = TargetUserRecord.objects.filter(user=user, active=True).select_related(
        "target"
    )
    if target is not None:
        records = records.filter(target=_resolve_target(target))
    return list(records)


def _resolve_category(category):
    if category is None or isinstance(category, NotificationCategory):
        return category
    found = NotificationCategory.objects.filter(key=str(category)).first()
    if found is None:
        raise NotificationsNotCreated(
            f"Notifications could not be created: no category with the key "
            f"{str(category)[:100]!r}."
        )
    return found


def create_for_module(module_name, user, title, body, **kwargs):
    """``create_notification`` for the records of one channel module."""
    records = TargetUserRecord.objects.filter(
        user=user, active=True, target__notification_module_name=module_name
    ).select_related("target")
    return _create(user, list(records), title, body, **kwargs)


def creator_for(module_name):
    """The seed's creator for the records of channel ``module_name``.

    Raises UserIsOptedOut / UserHasNoTargetRecords / NotificationsNotCreated
    unless ``quiet``. An extra channel module's own ``create_notification``
    (the original package's creators) is called instead when it has one.
    """

    def create_notification(
        user,
        title,
        body="",
        scheduled_delivery=None,
        retry_time_interval=0,
        max_retries=3,
        quiet=False,
        extra=None,
    ):
        kwargs = {
            "scheduled_delivery": scheduled_delivery,
            "retry_time_interval": retry_time_interval,
            "max_retries": max_retries,
            "quiet": quiet,
            "extra": extra,
        }
        own = _own_creator(module_name)
        if own is not None:
            return own(user, title, body, **kwargs)
        return create_for_module(module_name, user, title, body, **kwargs)

    create_notification.__qualname__ = f"creator_for({module_name!r})"
    return create_notification


def _own_creator(module_name):
    module = find_module(module_name)
    own = getattr(module, "create_notification", None)
    # A built-in module's create_notification is this very creator.
    if own is None or getattr(own, "__qualname__", "").startswith("creator_for("):
        return None
    return own


def _resolve_target(target):
    if isinstance(target, NotificationTarget):
        return target
    found = NotificationTarget.objects.filter(name=target).first()
    if found is None:
        found = NotificationTarget.objects.filter(name__iexact=target).first()
    if found is None:
        raise UserHasNoTargetRecords(
            f"There is no notification target named {target!r}."
        )
    return found


def _create(
    user,
    records,
    title,
    body,
    *,
    scheduled_delivery=None,
    retry_time_interval=0,
    max_retries=3,
    quiet=False,
    extra=None,
    category=None,
    key=None,
):
    try:
        if NotificationOptOut.objects.filter(user=user, active=True).exists():
            raise UserIsOptedOut(f"User {user.pk} has opted out of notifications.")
        if not records:
            raise UserHasNoTargetRecords(
                f"User {user.pk} has no active record in the requested target."
            )
        return _create_rows(
            records,
            title,
            body,
            extra=_extra_dict(extra),
            scheduled_delivery=scheduled_delivery,
            retry_time_interval=retry_time_interval,
            max_retries=max_retries,
            category=category,
            key=key,
        )
    except (UserIsOptedOut, UserHasNoTargetRecords, NotificationsNotCreated):
        if quiet:
            return []
        raise


def _extra_dict(extra):
    if extra is None:
        return {}
    if not isinstance(extra, Mapping):
        raise NotificationsNotCreated(
            "Notifications could not be created: extra must be a dict (a JSON "
            f"object), not {type(extra).__name__}."
        )
    return dict(extra)


def _create_rows(
    records, title, body, *, extra, scheduled_delivery, key=None, **fields
):
    created = []
    try:
        with transaction.atomic():
            for record in records:
                created.append(
                    _get_or_create(
                        record, title, body, extra, scheduled_delivery, fields, key
                    )
                )
    except (ValidationError, ValueError, LookupError, TemplateDoesNotExist) as err:
        raise NotificationsNotCreated(
            f"Notifications could not be created: {err}"
        ) from err
    return created


def _get_or_create(record, title, body, extra, scheduled_delivery, fields, key=None):
    body = body or _rendered_body(record, title, extra)
    notification = Notification(
        user_target=record,
        title=title,
        body=body,
        extra=extra,
        scheduled_delivery=scheduled_delivery or timezone.now(),
        idempotency_key=key,
        **fields,
    )
    # Before any query: a value the database cannot hold (a title over the
    # limit, NUL characters, a negative retry count) is a ValidationError
    # naming the field, not a DataError or IntegrityError from the database.
    notification.clean_fields(exclude=["user_target"])
    notification.clean_values()
    if key is not None:
        # The key is the row's identity (create_once looked it up): no
        # matching by content, the unique index settles a race.
        notification.save(force_insert=True)
        return notification
    same = Notification.objects.filter(
        user_target=record, title=title, body=body, category=fields.get("category")
    )
    if scheduled_delivery is None:
        # "Now" differs on every call: an open row with the same content is the
        # one an earlier identical call created.
        same = same.filter(status__in=Notification.OPEN_STATUSES)
    else:
        same = same.filter(scheduled_delivery=scheduled_delivery)
    for existing in same.order_by("created"):
        if existing.extra == extra:
            return existing
    notification.save(force_insert=True)
    return notification


def _rendered_body(record, title, extra):
    body = get_channel(record.target.notification_module_name).render_body(
        title, "", extra
    )
    if not body:
        raise ValueError(
            "A body is required (or, for email, extra['template_name'] to render it)."
        )
    return body
