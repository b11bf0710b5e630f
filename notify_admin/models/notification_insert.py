"""Inserting many new notifications in one statement (``Notification.objects``).

For the creation from templates, which renders and inserts thousands of rows
a second: on PostgreSQL the rows go in as one JSON document of arrays
(``INSERT ... SELECT ... FROM jsonb_array_elements(%s)``), so a batch is one
statement binding a handful of parameters whatever its size (the attempt
rows' ``unnest`` style, with the text escaped in one libpq call instead of
element by element); columns equal in every row are bound once. Elsewhere
``bulk_create`` does it.

Columns the caller leaves out take the field's default (``auto_now`` ones
the time of the call), so a column added to the model later is filled too.
The seed's rules that ``save()`` checks are the caller's to keep: only
SCHEDULED rows, for users who have not opted out.
"""

import datetime
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.utils import timezone


class _RowEncoder(DjangoJSONEncoder):
    """Django's JSON encoder, but times keep their microseconds (Django's
    writes milliseconds, as ECMA-262 does)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


# Columns given as text and cast in SQL, by internal type.
_JSON_TYPES = {"JSONField"}


def insert_rows(queryset, rows):
    """Insert ``rows`` (dicts of attribute name → value) as new rows."""
    if not rows:
        return 0
    connection = connections[queryset.db]
    now = timezone.now()
    columns = _columns(queryset.model, rows, now)
    if connection.vendor == "postgresql":
        _insert_json(connection, queryset.model, columns, len(rows))
    else:
        model = queryset.model
        objects = []
        for index in range(len(rows)):
            values = {
                field.attname: (value[index] if varying else value)
                for field, varying, value in columns
            }
            objects.append(model(**values))
        queryset.bulk_create(objects, batch_size=500)
    return len(rows)


def _columns(model, rows, now):
    """``[(field, varying, values or the one value)]`` for every concrete field."""
    columns = []
    first = rows[0]
    for field in model._meta.concrete_fields:
        name = field.attname
        if name in first:
            values = [row[name] for row in rows]
            value = values[0]
            if all(item == value for item in values):
                columns.append((field, False, value))
            else:
                columns.append((field, True, values))
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            columns.append((field, False, now))
        elif field.primary_key and callable(field.default):
            columns.append((field, True, [field.get_default() for _row in rows]))
        else:
            columns.append((field, False, field.get_default()))
    return columns


def _insert_json(connection, model, columns, count):
    """PostgreSQL: the varying columns of every row as one JSON document of
    arrays (``jsonb_array_elements``), each value cast to its column's type.

    One parameter whatever the batch size, escaped by libpq in one call: the
    driver's per-element quoting of text arrays cost more CPU than rendering
    the rows.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    select, params, varying = [], [], []
    for field, is_varying, value in columns:
        is_json = field.get_internal_type() in _JSON_TYPES
        db_type = (
            field.target_field.rel_db_type(connection)
            if field.is_relation
            else field.db_type(connection)
        )
        if is_varying:
            index = len(varying)
            varying.append(value)
            select.append(f"r->{index}" if is_json else f"(r->>{index})::{db_type}")
        else:
            select.append("%s::jsonb" if is_json else f"%s::{db_type}")
            params.append(_plain(field, value, is_json))
    sql = "INSERT INTO {table} ({columns}) SELECT {select}".format(
        table=quote(meta.db_table),
        columns=", ".join(quote(field.column) for field, _v, _x in columns),
        select=", ".join(select),
    )
    if varying:
        sql += " FROM jsonb_array_elements(%s::jsonb) AS t(r)"
        params.append(json.dumps(list(zip(*varying, strict=True)), cls=_RowEncoder))
    else:
        sql += " FROM generate_series(1, %s)"
        params.append(count)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _plain(field, value, is_json):
    """A value as psycopg binds it for the column's type."""
    if value is None:
        return None
    if is_json:
        return json.dumps(value, cls=field.encoder)
    target = field.target_field if field.is_relation else field
    if target.get_internal_type() == "UUIDField":
        return str(value)
    return value
