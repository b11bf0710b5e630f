"""Claims: take a batch of rows for this run with a lease, atomically.

A compare-and-set UPDATE gives the rows a claim token and a lease
(``claimed_until``); on PostgreSQL the candidate SELECT skips rows other
workers hold (``FOR UPDATE SKIP LOCKED``), inside that one UPDATE statement
(its own transaction: one round trip, where a SELECT then an UPDATE in a
transaction took four). The transaction ends before any provider is called.
The rows are then read back once, with what sending needs.

:func:`claim_rows` is the one claim helper: notifications here, and the
tickets whose receipts feedback polls (:mod:`notify_admin.feedback.receipts`).
"""

import uuid
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .. import conf
from ..consent import snapshot
from ..models import Notification, NotificationTarget
from . import backoff, pauses

# Bookkeeping columns nobody reads while sending.
UNREAD_WHILE_SENDING = (
    "created",
    "modified",
    "claim_token",
    "claimed_until",
    "user_target__created",
    "user_target__modified",
)


def lease_until(cutoff):
    return max(timezone.now(), cutoff) + timedelta(seconds=conf.lease_seconds())


def due_queryset(now, target=None, exclude_modules=(), skip_held=True):
    """Due rows, of one target (a NotificationTarget, its name or its module
    name) if given, leaving out the targets of ``exclude_modules``, and
    (``skip_held``) those paused or backing off, in the same statement: a
    pause committed before a claim is always seen by it."""
    rows = Notification.objects.due(now)
    if skip_held:
        rows = rows.exclude(
            user_target__target_id__in=pauses.paused_targets_query()
        ).exclude(user_target__target_id__in=backoff.backing_off_query())
    if isinstance(target, NotificationTarget):
        rows = rows.filter(user_target__target=target)
    elif target:
        rows = rows.filter(
            Q(user_target__target__name=target)
            | Q(user_target__target__notification_module_name=target)
        )
    if exclude_modules:
        rows = rows.exclude(
            user_target__target__notification_module_name__in=list(exclude_modules)
        )
    return rows


def count_due_of_modules(cutoff, target, module_names):
    """How many due rows (of ``target``, if given) the channels
    ``module_names`` have: one COUNT."""
    return (
        due_queryset(cutoff, target, skip_held=False)
        .filter(user_target__target__notification_module_name__in=module_names)
        .count()
    )


def claim_rows(candidates, size, *, still_free, **lease):
    """Give up to ``size`` of the ordered ``candidates`` the ``lease`` fields
    (a claim token and its expiry); return how many were claimed.

    ``still_free(ids)`` is the queryset of those ids still claimable: the
    compare-and-set, so a row someone else claimed meanwhile is not taken.
    """
    model = candidates.model
    if connection.vendor == "sqlite":
        # One writer at a time: a single UPDATE of the first candidates is its
        # own compare-and-set, and spares a round trip with every row's id.
        return model._default_manager.filter(
            pk__in=candidates.values("pk")[:size]
        ).update(**lease)
    if connection.vendor == "postgresql":
        return claim_in_one_statement(candidates, size, lease)
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True, of=("self",))
    with transaction.atomic():
        ids = list(candidates.values_list("pk", flat=True)[:size])
        if not ids:
            return 0
        return still_free(ids).update(**lease)


def claim_in_one_statement(candidates, size, lease):
    """PostgreSQL: ``UPDATE ... WHERE id IN (SELECT ... LIMIT size FOR UPDATE
    SKIP LOCKED)``. The SELECT locks the first candidates no one else holds
    and re-checks a row another worker changed meanwhile (a lease taken after
    this statement began makes it no longer a candidate: the compare-and-set),
    the UPDATE gives them the lease; how many."""
    model = candidates.model
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    select, params = candidates.values("pk")[:size].query.sql_with_params()
    columns = [quote(model._meta.get_field(name).column) for name in lease]
    sql = (
        f"UPDATE {table} SET {', '.join(f'{column} = %s' for column in columns)} "
        f"WHERE {quote(model._meta.pk.column)} IN "
        f"({select} FOR UPDATE OF {table} SKIP LOCKED)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*lease.values(), *params])
        return cursor.rowcount


def claim_due(size, *, cutoff, target=None, exclude_modules=()):
    """Claim up to ``size`` due rows; return ``(token, rows)``."""
    candidates = due_queryset(cutoff, target, exclude_modules).order_by(
        "scheduled_delivery"
    )
    token = uuid.uuid4()
    claimed = claim_rows(
        candidates,
        size,
        still_free=lambda ids: Notification.objects.filter(pk__in=ids).due(cutoff),
        claim_token=token,
        claimed_until=lease_until(cutoff),
    )
    return token, fetch_claimed(token) if claimed else []


def claim_ids(ids, *, cutoff, skip_targets=()):
    """Claim the given rows that may be sent now, but those of the targets
    ``skip_targets`` (paused); return ``(token, rows)``."""
    token = uuid.uuid4()
    rows = Notification.objects.filter(pk__in=ids)
    if skip_targets:
        rows = rows.exclude(user_target__target_id__in=list(skip_targets))
    claimed = (
        rows.sendable_now()
        .lease_free(cutoff)
        .update(claim_token=token, claimed_until=lease_until(cutoff))
    )
    return token, fetch_claimed(token) if claimed else []


def fetch_claimed(token):
    """The claimed rows, read once. The same statement decides the user's
    opt-out (``user_opted_out``) and preferences (``consent_block``), so a
    change made after a row was created holds."""
    # A handful of targets and categories for any number of rows: small
    # queries (the categories kept a few seconds, see consent.snapshot),
    # shared instances, instead of joining and building objects per row; the
    # categories' rules become literals of the statement.
    rules = snapshot.category_rules()
    rows = list(
        Notification.objects.filter(claim_token=token)
        .select_related("user_target")
        .defer(*UNREAD_WHILE_SENDING)
        .with_opt_out()
        .with_consent(rules)
        .order_by("scheduled_delivery")
    )
    targets = NotificationTarget.objects.in_bulk()
    for notification in rows:
        record = notification.user_target
        record.target = targets[record.target_id]
        # The row's category, or the default one (None when that is missing).
        notification.consent_category = rules.categories.get(
            notification.consent_category_id
        )
    return rows
