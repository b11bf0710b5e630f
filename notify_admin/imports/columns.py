"""The columns of a target-user-record file and the checks on its header line."""

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from ..conf import get_setting
from .formats import ImportFileError, unescape_formula

USER_FIELDS = ("username", "email")
REQUIRED_COLUMNS = ("user", "target", "target_user_id")
COLUMNS = REQUIRED_COLUMNS + ("description", "active")


def get_import_user_field(value=None):
    """How the ``user`` column names a user: ``"username"`` or ``"email"``.

    ``value`` (a form choice or the command's ``--user-field``) wins over the
    setting NOTIFICATION_SYSTEM_IMPORT_USER_FIELD (default ``"username"``).
    """
    value = value or get_setting("IMPORT_USER_FIELD", "username")
    if value not in USER_FIELDS:
        raise ImproperlyConfigured(
            "NOTIFICATION_SYSTEM_IMPORT_USER_FIELD must be 'username' or 'email', "
            f"not {value!r}."
        )
    return value


def cell(value):
    """A cell as stripped text, with the export's formula escape undone."""
    if value is None:
        return ""
    return unescape_formula(str(value).strip())


def ignored_columns(headers, columns=COLUMNS):
    return [h for h in headers if h and h not in columns]


def missing_columns(headers, required=REQUIRED_COLUMNS):
    headers = {str(h or "").strip().lower() for h in headers or ()}
    return [c for c in required if c not in headers]


def check_columns(dataset, required=REQUIRED_COLUMNS, columns=COLUMNS):
    """Raise ImportFileError naming missing required columns; return ignored
    ones. ``required`` and ``columns`` default to the record file's."""
    missing = missing_columns(dataset.headers, required)
    if missing:
        optional = [c for c in columns if c not in required]
        message = _(
            "Missing required column(s): %(missing)s. The first line must "
            "name the columns %(required)s"
        ) % {"missing": ", ".join(missing), "required": ", ".join(required)}
        if optional:
            message += _(" (optional: %(optional)s).") % {
                "optional": ", ".join(optional)
            }
        else:
            message += "."
        raise ImportFileError(message)
    return ignored_columns(
        [str(h or "").strip().lower() for h in dataset.headers], columns
    )
