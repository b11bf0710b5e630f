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


def ignored_columns(headers):
    return [h for h in headers if h and h not in COLUMNS]


def missing_columns(headers):
    headers = {str(h or "").strip().lower() for h in headers or ()}
    return [c for c in REQUIRED_COLUMNS if c not in headers]


def check_columns(dataset):
    """Raise ImportFileError naming missing required columns; return ignored ones."""
    missing = missing_columns(dataset.headers)
    if missing:
        raise ImportFileError(
            _(
                "Missing required column(s): %(missing)s. The first line must "
                "name the columns %(required)s (description and active are "
                "optional)."
            )
            % {"missing": ", ".join(missing), "required": ", ".join(REQUIRED_COLUMNS)}
        )
    return ignored_columns([str(h or "").strip().lower() for h in dataset.headers])
