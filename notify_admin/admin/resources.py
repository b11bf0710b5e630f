"""django-import-export resources: the CSV columns of records and notifications.

``TargetUserRecordResource`` imports and exports user addresses with the
columns ``user, target, target_user_id, description, active``. A row is
identified by (user, target, normalised target_user_id), the model's unique
constraint: a known identity updates ``description``/``active`` (or is
reported unchanged), a new one is created, and an identity repeated within
the file is a row error. Users, targets and existing records are loaded once
per file in ``before_import``, so a 10,000-row file costs a handful of
queries, not one per row.

``NotificationResource`` is export only.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ImproperlyConfigured,
    ValidationError,
)
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.results import Result

from ..conf import get_setting
from ..models import Notification, NotificationTarget, TargetUserRecord
from ..validators import normalise_address
from .formats import ImportFileError, unescape_formula

USER_FIELDS = ("username", "email")
REQUIRED_COLUMNS = ("user", "target", "target_user_id")
COLUMNS = REQUIRED_COLUMNS + ("description", "active")
# Rows per SELECT ... IN (...) when prefetching: under every backend's limit.
LOOKUP_CHUNK = 500
MAX_LENGTH = 200
TRUE_WORDS = {"1", "true", "yes", "y", "on", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "f"}


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


def _cell(value):
    if value is None:
        return ""
    return unescape_formula(str(value).strip())


def _chunks(values, size=LOOKUP_CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


class RowLookups:
    """Users, targets and existing records for one file, loaded up front."""

    def __init__(self, user_field):
        self.user_field = user_field
        self.users = {}
        self.ambiguous = set()
        self.targets = {}
        self.records = {}
        self.addresses = {}

    def load(self, user_keys):
        self._load_targets()
        self._load_users({key for key in map(_cell, user_keys) if key})
        self._load_records()

    def _load_targets(self):
        for target in NotificationTarget.objects.all():
            self.targets[target.name] = target
            self.targets.setdefault(target.name.casefold(), target)

    def _load_users(self, keys):
        User = get_user_model()
        if self.user_field == "username":
            name = User.USERNAME_FIELD
            for chunk in _chunks(keys):
                for user in User.objects.filter(**{f"{name}__in": chunk}):
                    self.users[getattr(user, name)] = user
            return
        # Email addresses match case-insensitively and need not be unique.
        name = User.get_email_field_name()
        for chunk in _chunks({key.lower() for key in keys}):
            users = User.objects.annotate(_key=Lower(name)).filter(_key__in=chunk)
            for user in users:
                if user._key in self.users:
                    self.ambiguous.add(user._key)
                self.users[user._key] = user

    def _load_records(self):
        user_ids = [user.pk for user in self.users.values()]
        for chunk in _chunks(user_ids):
            for record in TargetUserRecord.objects.filter(user_id__in=chunk):
                key = (record.user_id, record.target_id, record.target_user_id)
                self.records[key] = record

    def user(self, value):
        key = _cell(value)
        if not key:
            raise ValueError(_("This cell is required."))
        if self.user_field == "email":
            key = key.lower()
            if key in self.ambiguous:
                raise ValueError(
                    _(
                        "More than one user has the email address %(key)r; "
                        "use usernames in the user column."
                    )
                    % {"key": key}
                )
        try:
            return self.users[key]
        except KeyError:
            raise ValueError(
                _("No user with %(field)s %(key)r.")
                % {"field": self.user_field, "key": key}
            ) from None

    def target(self, value):
        key = _cell(value)
        if not key:
            raise ValueError(_("This cell is required."))
        target = self.targets.get(key) or self.targets.get(key.casefold())
        if target is None:
            names = sorted({t.name for t in self.targets.values()})
            raise ValueError(
                _("No target named %(key)r (targets: %(names)s).")
                % {"key": key, "names": ", ".join(names)}
            )
        return target

    def address(self, value, target):
        # Each row's address is needed three times (instance lookup, duplicate
        # check, the field itself); phone parsing is the costly part, so the
        # outcome is remembered per (channel, cell).
        raw = _cell(value)
        if not raw:
            raise ValueError(_("This cell is required."))
        key = (target.notification_module_name, raw)
        if key not in self.addresses:
            self.addresses[key] = self._normalise(*key)
        address, error = self.addresses[key]
        if error:
            raise ValueError(error)
        return address

    def _normalise(self, module_name, raw):
        try:
            address = normalise_address(module_name, raw)
        except ValidationError as err:
            return None, " ".join(err.messages)
        if len(address) > MAX_LENGTH:
            return None, _("Longer than %(max)d characters.") % {"max": MAX_LENGTH}
        return address, None


class UserWidget(widgets.Widget):
    lookups = None  # set per import by TargetUserRecordResource

    def __init__(self, user_field="username"):
        super().__init__()
        self.user_field = user_field

    def clean(self, value, row=None, **kwargs):
        return self.lookups.user(value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if self.user_field == "email":
            return getattr(value, value.get_email_field_name())
        return value.get_username()


class TargetWidget(widgets.Widget):
    lookups = None

    def clean(self, value, row=None, **kwargs):
        return self.lookups.target(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.name


class AddressWidget(widgets.Widget):
    lookups = None

    def clean(self, value, row=None, **kwargs):
        if not _cell(value):
            raise ValueError(_("This cell is required."))
        try:
            target = self.lookups.target((row or {}).get("target"))
        except ValueError:
            # Reported on the target column; nothing to check the address by.
            return _cell(value)
        return self.lookups.address(value, target)

    def render(self, value, obj=None, **kwargs):
        return value or ""


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        text = _cell(value)
        if len(text) > MAX_LENGTH:
            raise ValueError(_("Longer than %(max)d characters.") % {"max": MAX_LENGTH})
        return text


class ActiveWidget(widgets.Widget):
    """Yes/no in the usual spellings; an empty cell means active."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        word = _cell(value).lower()
        if not word or word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(
            _("%(value)r is not a yes/no value (use 1/0, true/false or yes/no).")
            % {"value": _cell(value)}
        )

    def render(self, value, obj=None, **kwargs):
        return "true" if value else "false"


def line_of(line_numbers, number):
    """Spreadsheet line of data row ``number`` (1-based; header = line 1).

    ``line_numbers`` comes from the file reader, which skips blank lines but
    counts them; without it (a dataset built in code) rows follow the header.
    """
    if line_numbers and 0 < number <= len(line_numbers):
        return line_numbers[number - 1]
    return number + 1


class ImportResult(Result):
    """A Result that reports rows by spreadsheet line, column and reason."""

    line_numbers = None
    ignored_columns = ()
    encoding_label = ""

    def line_of(self, number):
        return line_of(self.line_numbers, number)

    @property
    def line_errors(self):
        """Every row problem as ``(line, column, reason)``, in file order."""
        errors = []
        for row in self.invalid_rows:
            for column, reasons in row.error_dict.items():
                column = "" if column == NON_FIELD_ERRORS else column
                for reason in reasons:
                    errors.append((self.line_of(row.number), column, reason))
        for number, row_errors in self.row_errors():
            for error in row_errors:
                errors.append((self.line_of(number), "", str(error.error)))
        errors.sort(key=lambda item: item[0])
        return errors

    @property
    def file_errors(self):
        return [str(error.error) for error in self.base_errors]

    @property
    def counts(self):
        return {
            "new": self.totals["new"],
            "updated": self.totals["update"],
            "unchanged": self.totals["skip"],
            "invalid": self.totals["invalid"] + self.totals["error"],
        }

    @property
    def summary(self):
        return _(
            "%(rows)d row(s): %(new)d new, %(updated)d updated, "
            "%(unchanged)d unchanged, %(invalid)d invalid."
        ) % {"rows": self.total_rows, **self.counts}

    @property
    def failed(self):
        return self.has_errors() or self.has_validation_errors()


class TargetUserRecordResource(resources.ModelResource):
    user = fields.Field(attribute="user", column_name="user", widget=UserWidget())
    target = fields.Field(
        attribute="target", column_name="target", widget=TargetWidget()
    )
    target_user_id = fields.Field(
        attribute="target_user_id",
        column_name="target_user_id",
        widget=AddressWidget(),
    )
    description = fields.Field(
        attribute="description", column_name="description", widget=TextWidget()
    )
    active = fields.Field(
        attribute="active", column_name="active", widget=ActiveWidget()
    )

    class Meta:
        model = TargetUserRecord
        name = gettext_lazy("Target user records")
        fields = COLUMNS
        import_order = COLUMNS
        export_order = COLUMNS
        import_id_fields = REQUIRED_COLUMNS
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        use_bulk = True
        batch_size = 1000
        # full_clean() would query per row (unique checks); the widgets run
        # the same address rules and before_import the identity checks.
        clean_model_instances = False

    def __init__(self, user_field=None, **kwargs):
        super().__init__(**kwargs)
        self.user_field = get_import_user_field(user_field)
        self.lookups = RowLookups(self.user_field)
        self.fields["user"].widget.user_field = self.user_field
        for field in self.fields.values():
            if hasattr(field.widget, "lookups"):
                field.widget.lookups = self.lookups
        self.seen = {}
        self.line_numbers = None

    @classmethod
    def get_result_class(cls):
        return ImportResult

    # -- import -----------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        dataset.headers = [str(h or "").strip().lower() for h in dataset.headers]
        self.line_numbers = getattr(dataset, "line_numbers", None)
        keys = dataset["user"] if "user" in dataset.headers else []
        self.lookups.load(keys)
        self.seen = {}

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        result.line_numbers = self.line_numbers
        result.ignored_columns = ignored_columns(dataset.headers)
        result.encoding_label = getattr(dataset, "encoding_label", "")

    def identity(self, row):
        """(user pk, target pk, normalised address), or None if any is bad."""
        try:
            user = self.lookups.user(row.get("user"))
            target = self.lookups.target(row.get("target"))
            address = self.lookups.address(row.get("target_user_id"), target)
        except ValueError:
            return None
        return (user.pk, target.pk, address)

    def get_instance(self, instance_loader, row):
        key = self.identity(row)
        return None if key is None else self.lookups.records.get(key)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as err:
            errors = err.update_error_dict(errors)
        key = self.identity(row)
        if key is not None:
            line = line_of(self.line_numbers, kwargs.get("row_number") or 0)
            first = self.seen.setdefault(key, line)
            if first != line:
                errors.setdefault("target_user_id", []).append(
                    _(
                        "Duplicate of line %(line)d (same user, target and "
                        "target_user_id)."
                    )
                    % {"line": first}
                )
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        # bulk_update() does not run auto_now, so keep "modified" honest here.
        instance.modified = timezone.now()

    def get_bulk_update_fields(self):
        return ["description", "active", "modified"]

    # -- export -----------------------------------------------------------

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("user", "target")


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


NOTIFICATION_COLUMNS = (
    "id",
    "user",
    "target",
    "address",
    "title",
    "body",
    "status",
    "scheduled_delivery",
    "attempted_delivery",
    "retry_attempts",
    "max_retries",
    "retry_time_interval",
    "created",
    "modified",
)


class NotificationResource(resources.ModelResource):
    """Export only: readable columns, no lease internals, no ``extra`` payload."""

    user = fields.Field(attribute="user_target__user", column_name="user")
    target = fields.Field(attribute="user_target__target__name", column_name="target")
    address = fields.Field(
        attribute="user_target__target_user_id", column_name="address"
    )

    class Meta:
        model = Notification
        name = gettext_lazy("Notifications")
        fields = NOTIFICATION_COLUMNS
        export_order = NOTIFICATION_COLUMNS

    def dehydrate_user(self, notification):
        return notification.user_target.user.get_username()

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("user_target__user", "user_target__target")
