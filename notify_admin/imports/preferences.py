"""The import/export resource of notification preferences.

Columns ``user, category, target, enabled``: ``category`` is the category's
key, ``target`` the target's name (the channel), ``enabled`` yes/no. A row
is identified by (user, category, target): a known one updates ``enabled``
(or is reported unchanged), a new one is created, the same one twice in a
file is an error, and so is turning a critical category off. Nothing is
imported when any row is invalid (the admin's import and the
``import_notification_preferences`` command alike).
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from ..models import NotificationCategory, NotificationPreference
from .columns import cell, get_import_user_field
from .lookups import RowLookups, _chunks
from .results import ImportResult, line_of
from .widgets import FALSE_WORDS, TRUE_WORDS, TargetWidget, UserWidget

PREFERENCE_REQUIRED = ("user", "category", "target", "enabled")
PREFERENCE_COLUMNS = PREFERENCE_REQUIRED


class PreferenceLookups(RowLookups):
    """Users, targets, categories and the users' preferences, up front."""

    def __init__(self, user_field):
        super().__init__(user_field)
        self.categories = {}

    def _load_records(self):
        self.categories = {c.key: c for c in NotificationCategory.objects.all()}
        user_ids = [user.pk for user in self.users.values()]
        for chunk in _chunks(user_ids):
            for preference in NotificationPreference.objects.filter(user_id__in=chunk):
                key = (preference.user_id, preference.category_id, preference.target_id)
                self.records[key] = preference

    def category(self, value):
        key = cell(value)
        if not key:
            raise ValueError(_("This cell is required."))
        found = self.categories.get(key) or self.categories.get(key.lower())
        if found is None:
            raise ValueError(
                _("No category with the key %(key)r (categories: %(keys)s).")
                % {"key": key, "keys": ", ".join(sorted(self.categories))}
            )
        return found


class CategoryWidget(widgets.Widget):
    lookups = None

    def clean(self, value, row=None, **kwargs):
        return self.lookups.category(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.key


class EnabledWidget(widgets.Widget):
    """Yes/no in the usual spellings; required."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        word = cell(value).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        if not word:
            raise ValueError(_("This cell is required (yes or no)."))
        raise ValueError(
            _("%(value)r is not a yes/no value (use 1/0, true/false or yes/no).")
            % {"value": cell(value)}
        )

    def render(self, value, obj=None, **kwargs):
        return "true" if value else "false"


class NotificationPreferenceResource(resources.ModelResource):
    user = fields.Field(attribute="user", column_name="user", widget=UserWidget())
    category = fields.Field(
        attribute="category", column_name="category", widget=CategoryWidget()
    )
    target = fields.Field(
        attribute="target", column_name="target", widget=TargetWidget()
    )
    enabled = fields.Field(
        attribute="enabled", column_name="enabled", widget=EnabledWidget()
    )

    class Meta:
        model = NotificationPreference
        name = gettext_lazy("Notification preferences")
        fields = PREFERENCE_COLUMNS
        import_order = PREFERENCE_COLUMNS
        export_order = PREFERENCE_COLUMNS
        import_id_fields = ("user", "category", "target")
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        use_bulk = True
        batch_size = 1000
        clean_model_instances = False

    def __init__(self, user_field=None, **kwargs):
        super().__init__(**kwargs)
        self.user_field = get_import_user_field(user_field)
        self.lookups = PreferenceLookups(self.user_field)
        self.fields["user"].widget.user_field = self.user_field
        for field in self.fields.values():
            if hasattr(field.widget, "lookups"):
                field.widget.lookups = self.lookups
        self.seen = {}
        self.line_numbers = None

    @classmethod
    def get_result_class(cls):
        return ImportResult

    def before_import(self, dataset, **kwargs):
        dataset.headers = [str(h or "").strip().lower() for h in dataset.headers]
        self.line_numbers = getattr(dataset, "line_numbers", None)
        keys = dataset["user"] if "user" in dataset.headers else []
        self.lookups.load(keys)
        self.seen = {}

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        result.line_numbers = self.line_numbers
        result.ignored_columns = [
            h for h in dataset.headers if h and h not in PREFERENCE_COLUMNS
        ]
        result.encoding_label = getattr(dataset, "encoding_label", "")

    def identity(self, row):
        try:
            user = self.lookups.user(row.get("user"))
            category = self.lookups.category(row.get("category"))
            target = self.lookups.target(row.get("target"))
        except ValueError:
            return None
        return (user.pk, category.pk, target.pk)

    def get_instance(self, instance_loader, row):
        key = self.identity(row)
        return None if key is None else self.lookups.records.get(key)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as err:
            errors = err.update_error_dict(errors)
        if (
            "category" not in errors
            and "enabled" not in errors
            and instance.category.critical
            and instance.enabled is False
        ):
            errors.setdefault("enabled", []).append(
                _("%(category)s is critical: it cannot be turned off.")
                % {"category": instance.category.key}
            )
        key = self.identity(row)
        if key is not None:
            line = line_of(self.line_numbers, kwargs.get("row_number") or 0)
            first = self.seen.setdefault(key, line)
            if first != line:
                errors.setdefault("target", []).append(
                    _("Duplicate of line %(line)d (same user, category and target).")
                    % {"line": first}
                )
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        instance.modified = timezone.now()

    def get_bulk_update_fields(self):
        return ["enabled", "modified"]

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("user", "category", "target")
