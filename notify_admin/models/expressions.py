"""Query expressions the models' bulk writes share."""

from collections import defaultdict

from django.db.models import Case, Value, When


def by_pk(values):
    """A value per primary key as one expression: one When per distinct value
    (a plain Value when all are the same)."""
    groups = defaultdict(list)
    for pk, value in values.items():
        groups[value].append(pk)
    if len(groups) == 1:
        return Value(next(iter(groups)))
    return Case(*[When(pk__in=pks, then=Value(value)) for value, pks in groups.items()])
