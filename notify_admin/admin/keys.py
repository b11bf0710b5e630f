"""Which posted values a column could hold as a key, before any query.

A crafted request posts ``abc`` for a UUID, ``99999999999999999999999`` for
an integer (SQLite cannot even bind it), NUL bytes, ``1.5``: handed to the
ORM, each is a ValidationError, OverflowError or database error deep inside
a view or a widget's rendering (a 500). The selection of an action
(:mod:`.guards`) and the autocomplete and raw-id widgets
(:mod:`.safe_widgets`) ask here first and leave such values out.
"""

from django.core.exceptions import ValidationError
from django.db import connections, router


def invalid_values(field, values, *, model=None):
    """The ``values`` that ``field`` (a key column) cannot hold."""
    model = model or field.model
    connection = connections[router.db_for_read(model)]
    internal_type = field.get_internal_type()
    low, high = (
        connection.ops.integer_field_range(internal_type)
        if internal_type in connection.ops.integer_field_ranges
        else (None, None)
    )
    bad = []
    for value in values:
        if isinstance(value, str) and "\x00" in value:
            bad.append(value)
            continue
        try:
            key = field.get_prep_value(field.to_python(value))
        except (ValidationError, ValueError, TypeError, OverflowError):
            bad.append(value)
            continue
        if isinstance(key, int) and not (
            (low is None or key >= low) and (high is None or key <= high)
        ):
            bad.append(value)
    return bad


def valid_values(field, values, *, model=None):
    """``values`` without those ``field`` cannot hold, in their order."""
    bad = invalid_values(field, values, model=model)
    return [value for value in values if value not in bad]
