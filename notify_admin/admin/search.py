"""Searching notifications without scanning a million rows per keystroke.

Django's admin search ORs ``icontains`` over every search field, joined
tables included: on PostgreSQL that is one sequential scan of the
notification table joined to records and users. Here each word is looked up
first among the target user records (address, username, email: a small
table), then notifications match on their title (a trigram index on
PostgreSQL, see migration 0006) or on those records' ids (the foreign-key
index): both sides of the OR use an index. Same results as Django's search:
every word must match one of the fields. The whole search text is also
compared, exactly, with the idempotency keys (``creators.create_once``): a
key pasted into the box finds its row through the key's unique index.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.text import smart_split, unescape_string_literal

from ..models import TargetUserRecord
from ..models.notification import IDEMPOTENCY_KEY_MAX_LENGTH

# Above this many matching records the ids stay a subquery (one scan either way).
MAX_RECORD_IDS = 1000


def search_words(search_term):
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if bit:
            yield bit


def matching_records(word):
    user_model = get_user_model()
    records = TargetUserRecord.objects.filter(
        Q(target_user_id__icontains=word)
        | Q(**{f"user__{user_model.USERNAME_FIELD}__icontains": word})
        | Q(**{f"user__{user_model.get_email_field_name()}__icontains": word})
    ).values_list("pk", flat=True)
    ids = list(records[: MAX_RECORD_IDS + 1])
    return records if len(ids) > MAX_RECORD_IDS else ids


def search_notifications(queryset, search_term):
    """``queryset`` narrowed to rows matching every word of ``search_term``,
    or whose idempotency key is the search text."""
    words = Q()
    for word in search_words(search_term):
        words &= Q(title__icontains=word) | Q(user_target__in=matching_records(word))
    key = search_term.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or "\x00" in key:
        return queryset.filter(words)
    return queryset.filter(Q(idempotency_key=key) | words)


class NotificationSearchMixin:
    """Mix into the notification ModelAdmin (before ``admin.ModelAdmin``)."""

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        if "\x00" in search_term:  # PostgreSQL refuses NUL in text
            return queryset.none(), False
        return search_notifications(queryset, search_term), False
