"""Users, targets and existing records of one import file, loaded up front.

A 10,000-row file costs a handful of queries, not one per row: every key the
file names is fetched in chunks before the rows are read.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ..models import NotificationTarget, TargetUserRecord
from ..validators import normalise_address
from .columns import cell

# Rows per SELECT ... IN (...) when prefetching: under every backend's limit.
LOOKUP_CHUNK = 500
MAX_LENGTH = 200


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
        self._load_users({key for key in map(cell, user_keys) if key})
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
        key = cell(value)
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
        key = cell(value)
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
        raw = cell(value)
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
