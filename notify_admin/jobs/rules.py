"""The rules a send job's file is checked by, in the order problems are listed.

GOV.UK Notify's order: the recipient column, then columns that do not match
the placeholders, then each row's problems (its recipient, its values, its
message's size). A problem of an earlier rule comes first, then by line.
"""

from django.utils.translation import gettext_lazy as _

#: The file as a whole (size, encoding, not text, too many rows or columns).
FILE = "file"
USER_COLUMN = "user_column"
COLUMNS = "columns"
#: A line that cannot be read as given (cells, NUL bytes, an over-long value).
LINE = "line"
UNKNOWN_USER = "unknown_user"
UNKNOWN_TARGET = "unknown_target"
NO_ADDRESS = "no_address"
MISSING_VALUE = "missing_value"
SMS_TOO_LONG = "sms_too_long"
PUSH_TOO_BIG = "push_too_big"
#: Anything else rendering refuses (a subject too long after substitution).
MESSAGE = "message"
DUPLICATE_USER = "duplicate_user"

ORDER = [
    FILE,
    USER_COLUMN,
    COLUMNS,
    LINE,
    UNKNOWN_USER,
    UNKNOWN_TARGET,
    NO_ADDRESS,
    MISSING_VALUE,
    SMS_TOO_LONG,
    PUSH_TOO_BIG,
    MESSAGE,
    DUPLICATE_USER,
]
RANK = {rule: rank for rank, rule in enumerate(ORDER)}

LABELS = {
    FILE: _("The file"),
    USER_COLUMN: _("No user column"),
    COLUMNS: _("Columns that do not match the template"),
    LINE: _("Lines that cannot be read"),
    UNKNOWN_USER: _("Unknown users"),
    UNKNOWN_TARGET: _("Unknown targets"),
    NO_ADDRESS: _("No active address on the template's channels"),
    MISSING_VALUE: _("Missing values"),
    SMS_TOO_LONG: _("SMS too long"),
    PUSH_TOO_BIG: _("Push payload too big"),
    MESSAGE: _("Messages that cannot be sent"),
    DUPLICATE_USER: _("The same user twice"),
}

#: Problems kept per rule (the count is always complete).
KEPT_PER_RULE = 500
