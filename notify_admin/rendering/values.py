"""Personalisation: the values placeholders are filled from.

A value comes from the caller's ``personalisation`` mapping, or for the
built-in names from the user the message is for: ``username``,
``first_name``, ``last_name`` and ``email``. The caller's mapping wins over
the user's own values. Keys compare as placeholder names do
(:func:`~.grammar.make_key`); keys no placeholder uses are ignored.

A value is text, a number, a date, a boolean (``yes`` / ``no``), or a list of
those (joined with ``", "``); ``None`` counts as missing. Anything else (a
mapping, a set) is refused with a message naming the key.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .grammar import make_key

#: Placeholders filled from the user when the personalisation does not say.
BUILT_IN_NAMES = ("username", "first_name", "last_name", "email")
BUILT_IN_KEYS = frozenset(make_key(name) for name in BUILT_IN_NAMES)
# user_values() writes these keys directly (it runs once per recipient).
assert {"username", "firstname", "lastname", "email"} == BUILT_IN_KEYS


@dataclass(frozen=True)
class ValueProblem:
    key: str
    message: str


def user_values(user):
    """The built-in values of ``user`` (``{}`` for None), by key."""
    if user is None:
        return {}
    email_field = getattr(user, "get_email_field_name", lambda: "email")()
    return {
        "username": user.get_username() or "",
        "firstname": getattr(user, "first_name", "") or "",
        "lastname": getattr(user, "last_name", "") or "",
        "email": getattr(user, email_field, "") or "",
    }


def collect(personalisation, user=None):
    """``(values, problems)``: the personalisation by key, over the user's.

    ``problems`` lists the values that cannot be used (wrong type, NUL
    characters); those keys are left out of ``values``.
    """
    values = user_values(user)
    problems = []
    if personalisation is None:
        return values, problems
    if not isinstance(personalisation, Mapping):
        problems.append(
            ValueProblem(
                "",
                _("Personalisation must be a mapping of names to values, not %(type)s.")
                % {"type": type(personalisation).__name__},
            )
        )
        return values, problems
    for name, value in personalisation.items():
        key = make_key(name)
        problem = _value_problem(name, value)
        if problem:
            problems.append(ValueProblem(key, problem))
        elif value is not None:
            values[key] = value
    return values, problems


def _value_problem(name, value):
    if isinstance(value, list | tuple):
        for item in value:
            problem = _value_problem(name, item)
            if problem:
                return problem
        return None
    if isinstance(value, Mapping | set | frozenset | bytes):
        return _("Personalisation value for “%(name)s” must be text or a number.") % {
            "name": name
        }
    if value is not None and "\x00" in str(value):
        return _("Personalisation value for “%(name)s” contains NUL characters.") % {
            "name": name
        }
    return None
