"""Query expressions the models' bulk writes share."""

from collections import defaultdict

from django.db import connections
from django.db.models import BooleanField, Case, Q, Value, When
from django.db.models.expressions import RawSQL


def by_pk(values):
    """A value per primary key as one expression: one When per distinct value
    (a plain Value when all are the same)."""
    groups = defaultdict(list)
    for pk, value in values.items():
        groups[value].append(pk)
    if len(groups) == 1:
        return Value(next(iter(groups)))
    return Case(*[When(pk__in=pks, then=Value(value)) for value, pks in groups.items()])


def fk_in(model, name, ids):
    """``<name>_id IN (...)`` for the foreign key ``name`` of ``model``; on
    PostgreSQL ``= ANY(%s)``: one array parameter instead of hundreds, which
    the driver would adapt and the server parse on every batch."""
    ids = list(ids)
    connection = connections[model.objects.db]
    field = model._meta.get_field(name)
    if connection.vendor != "postgresql":
        return Q(**{f"{field.attname}__in": ids})
    quote = connection.ops.quote_name
    column = f"{quote(model._meta.db_table)}.{quote(field.column)}"
    # Typed as the column is: a list of small ints would go as smallint[].
    array_type = field.target_field.rel_db_type(connection)
    return Q(
        RawSQL(
            f"{column} = ANY(%s::{array_type}[])", [ids], output_field=BooleanField()
        )
    )
