"""Inserting many new notifications in one statement (``Notification.objects``).

For the creation from templates, which renders and inserts thousands of rows
a second: on PostgreSQL the rows go in as one array per varying column
(``INSERT ... SELECT FROM unnest(...)``, the attempt rows' style), so a
batch is one statement binding a handful of parameters whatever its size;
columns equal in every row are bound once. Elsewhere ``bulk_create`` does it.

Columns the caller leaves out take the field's default (``auto_now`` ones
the time of the call), so a column added to the model later is filled too.
The seed's rules that ``save()`` checks are the caller's to keep: only
SCHEDULED rows, for users who have not opted out.
"""

import json

from django.db import connections
from django.utils import timezone

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
        _insert_unnest(connection, queryset.model, columns, len(rows))
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


def _insert_unnest(connection, model, columns, count):
    meta = model._meta
    quote = connection.ops.quote_name
    select, arrays, select_params, array_params = [], [], [], []
    for field, varying, value in columns:
        kind = field.get_internal_type()
        db_type = (
            field.db_type(connection)
            if not field.is_relation
            else (field.target_field.rel_db_type(connection))
        )
        is_json = kind in _JSON_TYPES
        if varying:
            alias = f"c{len(arrays)}"
            element_type = "text" if is_json else db_type
            arrays.append((f"%s::{element_type}[]", alias))
            array_params.append(_plain_list(field, value, is_json))
            select.append(f"{alias}::jsonb" if is_json else alias)
        else:
            select.append("%s::jsonb" if is_json else f"%s::{db_type}")
            select_params.append(_plain(field, value, is_json))
    sql = "INSERT INTO {table} ({columns}) SELECT {select}".format(
        table=quote(meta.db_table),
        columns=", ".join(quote(field.column) for field, _v, _x in columns),
        select=", ".join(select),
    )
    if arrays:
        sql += " FROM unnest({}) AS t({})".format(
            ", ".join(expr for expr, _alias in arrays),
            ", ".join(alias for _expr, alias in arrays),
        )
    else:
        sql += " FROM generate_series(1, %s)"
        array_params.append(count)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*select_params, *array_params])


def _plain_list(field, values, is_json):
    if is_json:
        dumps, encoder = json.dumps, field.encoder
        return [None if v is None else dumps(v, cls=encoder) for v in values]
    if _is_uuid(field):
        return [None if v is None else str(v) for v in values]
    return values


def _is_uuid(field):
    target = field.target_field if field.is_relation else field
    return target.get_internal_type() == "UUIDField"


def _plain(field, value, is_json):
    """A value as psycopg binds it for the column's (array) type."""
    if value is None:
        return None
    if is_json:
        return json.dumps(value, cls=field.encoder)
    if _is_uuid(field):
        return str(value)
    return value
