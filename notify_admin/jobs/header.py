"""The header line of a send job's file: which column is which.

``user`` is required, ``target`` optional, every other column must be one of
the template version's placeholders (compared as placeholders are: no case,
spaces, underscores or hyphens); a column named as a built-in value
(``first_name``...) overrides the user's own. Every placeholder the version
needs from the file must have its column.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..rendering import placeholders
from ..rendering.grammar import make_key
from ..rendering.values import BUILT_IN_KEYS
from .rules import COLUMNS, USER_COLUMN

USER = "user"
TARGET = "target"


@dataclass
class Columns:
    """Where the user, the target and each placeholder value are."""

    user: int | None = None
    target: int | None = None
    #: ``{index: header}`` of the placeholder columns.
    values: dict = field(default_factory=dict)
    #: ``(rule, column, message)`` per problem of the header.
    problems: list = field(default_factory=list)

    def personalisation(self, cells):
        """The row's values by header; an empty cell is a missing value."""
        found = {}
        for index, name in self.values.items():
            value = cells[index].strip()
            if value:
                found[name] = value
        return found


def read_header(header, version, template_name):
    """A :class:`Columns` for ``header`` against ``version``."""
    columns = Columns()
    needed = placeholders(version, built_in=False)
    needed_keys = {make_key(name): name for name in needed}
    seen = {}
    unknown = []
    for index, name in enumerate(header):
        if not name:
            continue  # an unnamed column (a spreadsheet's trailing one)
        key = make_key(name)
        if key in seen:
            columns.problems.append(
                (
                    COLUMNS,
                    name,
                    _("Column “%(name)s” appears more than once.") % {"name": name},
                )
            )
            continue
        seen[key] = index
        if name.lower() == USER:
            columns.user = index
        elif name.lower() == TARGET:
            columns.target = index
        elif key in needed_keys or key in BUILT_IN_KEYS:
            columns.values[index] = name
        else:
            unknown.append(name)
    if columns.user is None:
        columns.problems.insert(
            0,
            (
                USER_COLUMN,
                USER,
                _(
                    "There is no “user” column: the first line must name a "
                    "column “user” (each user's username or email address)."
                ),
            ),
        )
    missing = [name for key, name in needed_keys.items() if key not in seen]
    if missing:
        columns.problems.append(
            (
                COLUMNS,
                ", ".join(missing),
                _("Missing column for the template's placeholder(s): %(names)s.")
                % {"names": ", ".join(f"“{name}”" for name in missing)},
            )
        )
    for name in unknown:
        columns.problems.append(
            (
                COLUMNS,
                name,
                _(
                    "Column “%(name)s” is not a placeholder of template "
                    "“%(template)s” (its placeholders: %(needed)s)."
                )
                % {
                    "name": name,
                    "template": template_name,
                    "needed": ", ".join(needed) or _("none"),
                },
            )
        )
    return columns
