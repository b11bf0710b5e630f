"""The import/export resource of target user records.

``TargetUserRecordResource`` imports and exports user addresses with the
columns ``user, target, target_user_id, description, active``. A row is
identified by (user, target, normalised target_user_id), the model's unique
constraint: a known identity updates ``description``/``active`` (or is
reported unchanged), a new one is created, and an identity repeated within
the file is a row error. The admin's import and the
``import_target_user_records`` command both use it.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources

from ..models import TargetUserRecord
from .columns import COLUMNS, REQUIRED_COLUMNS, get_import_user_field, ignored_columns
from .lookups import RowLookups
from .results import ImportResult, line_of
from .widgets import ActiveWidget, AddressWidget, TargetWidget, TextWidget, UserWidget


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
