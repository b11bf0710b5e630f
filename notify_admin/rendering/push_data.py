"""Placeholders inside a push message's data (a JSON object).

Only string values are filled in; keys, numbers and the object's shape are
the author's and stay as written. Nesting is bounded (the admin's and the
import's JSON depth limit), so walking it never runs out of stack.
"""

from django.utils.translation import gettext as _

from ..validators import MAX_JSON_DEPTH
from . import grammar


def strings(data, depth=0):
    """Every string value in ``data`` (not the keys), depth first."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError(
            _("Push data nests more than %(limit)d levels deep.")
            % {"limit": MAX_JSON_DEPTH}
        )
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from strings(value, depth + 1)
    elif isinstance(data, list):
        for value in data:
            yield from strings(value, depth + 1)


def substitute(data, values, depth=0):
    """A copy of ``data`` with the placeholders of its strings filled in."""
    if isinstance(data, str):
        return grammar.substitute(data, values)
    if isinstance(data, dict):
        return {
            key: substitute(value, values, depth + 1) for key, value in data.items()
        }
    if isinstance(data, list):
        return [substitute(value, values, depth + 1) for value in data]
    return data


def names(data):
    """The placeholder names used in ``data``'s strings, in order."""
    found = []
    for text in strings(data):
        found += grammar.names(text)
    return found
