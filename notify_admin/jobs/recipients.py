"""Users, their active addresses and opt-outs for one batch of rows.

A batch of rows costs a fixed handful of queries whatever its size: the users
it names (by username, then by email address for the keys no username
matched), their active addresses on the job's targets, and their opt-outs.
The ``user`` cell names a user as the records import does (a username or an
email address; an email address several users share is refused).
"""

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ..imports.columns import cell
from ..models import NotificationOptOut, TargetUserRecord
from ..models.expressions import fk_in


def user_fields(User):
    """What rendering reads of a user (the built-in values): only these are
    loaded, not the whole row."""
    names = {User.USERNAME_FIELD, User.get_email_field_name()}
    names |= {"first_name", "last_name"}
    present = {f.name for f in User._meta.concrete_fields}
    return sorted(names & present)


class Recipients:
    """What one batch of rows needs to know about its users."""

    def __init__(self, plan, user_field=None):
        self.plan = plan
        self.user_field = user_field  # None: username, else email
        self.users = {}
        self.by_email = {}
        self.ambiguous = set()
        #: ``{user_pk: [(record_id, target_id), ...]}``
        self.records = {}
        self.opted_out = set()

    def load(self, keys):
        User = get_user_model()
        keys = {key for key in map(cell, keys) if key}
        self.users, self.by_email, self.ambiguous = {}, {}, set()
        users = User._default_manager.only(*user_fields(User))
        if self.user_field in (None, "username"):
            name = User.USERNAME_FIELD
            for user in users.filter(**{f"{name}__in": list(keys)}):
                self.users[getattr(user, name)] = user
        if self.user_field in (None, "email"):
            emails = {k.lower() for k in keys if "@" in k and k not in self.users}
            if emails:
                field = User.get_email_field_name()
                found = users.annotate(_key=Lower(field)).filter(_key__in=list(emails))
                for user in found:
                    if user._key in self.by_email:
                        self.ambiguous.add(user._key)
                    self.by_email[user._key] = user
        self._load_addresses()

    def _load_addresses(self):
        pks = {user.pk for user in self.users.values()}
        pks |= {user.pk for user in self.by_email.values()}
        self.records, self.opted_out = {}, set()
        if not pks:
            return
        found = TargetUserRecord.objects.filter(
            fk_in(TargetUserRecord, "user", pks),
            active=True,
            target_id__in=list(self.plan.targets),
        ).values_list("id", "user_id", "target_id")
        for record_id, user_id, target_id in found.order_by("user_id", "id"):
            self.records.setdefault(user_id, []).append((record_id, target_id))
        self.opted_out = set(
            NotificationOptOut.objects.filter(
                fk_in(NotificationOptOut, "user", pks), active=True
            ).values_list("user_id", flat=True)
        )

    def user(self, value):
        """The user a cell names; raises ValueError with the reason."""
        key = cell(value)
        if not key:
            raise ValueError(_("The user cell is empty."))
        user = self.users.get(key)
        if user is not None:
            return user
        lowered = key.lower()
        if lowered in self.ambiguous:
            raise ValueError(
                _(
                    "More than one user has the email address %(key)s; use "
                    "their usernames."
                )
                % {"key": key}
            )
        user = self.by_email.get(lowered)
        if user is not None:
            return user
        raise ValueError(_("There is no user “%(key)s”.") % {"key": key})

    def addresses(self, user, target=None):
        """The user's active ``(record_id, target_id)`` on the job's targets
        (only ``target``'s when the row names one)."""
        mine = self.records.get(user.pk, [])
        if target is not None:
            mine = [pair for pair in mine if pair[1] == target.pk]
        return mine
