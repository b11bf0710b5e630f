"""Message templates in and out of files (django-import-export), to move them
between staging and production.

One row per template and language: ``key``, ``name``, ``description``,
``category`` (a category's key; empty: the default category),
``example_personalisation`` (a JSON object), ``language`` and the content of
that language's current version (``email_subject``, ``email_text``,
``email_html``, ``sms_text``, ``allow_long_sms``, ``push_title``,
``push_body``, ``push_data``: a JSON object). Only ``key`` is required: a
missing ``language`` is the site's language, and a content column the file
does not have keeps the current version's value.

Importing a row creates the template (a new key) or updates its name,
description and examples, and adds a version of the row's language when its
content differs from the current one ("Imported."); a row that changes
nothing is reported unchanged. Every row is checked as the change form checks
it (malformed placeholders, half a channel, SMS length, push data), and a
key + language twice in one file is an error naming the first line: any
error leaves the whole file unimported.
"""

import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources

from ..models import (
    NotificationCategory,
    NotificationTemplate,
    NotificationTemplateVersion,
)
from ..rendering import check_content
from ..rendering.content import CONTENT_FIELDS, TEXT_FIELDS
from ..rendering.languages import normalise, version_language
from ..validators import validate_json_depth
from .columns import cell
from .formats import unescape_formula
from .results import ImportResult, line_of

TEMPLATE_COLUMNS = ("key", "name", "description", "category", "example_personalisation")
COLUMNS = (*TEMPLATE_COLUMNS, "language", *CONTENT_FIELDS)
JSON_COLUMNS = ("example_personalisation", "push_data")
TRUE_WORDS = {"1", "true", "yes", "y", "on", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "f", ""}


class ExportRow:
    """A template with one language's current version, as one exported row."""

    def __init__(self, template, version):
        self.template, self.version = template, version

    def __getattr__(self, name):
        if name in TEMPLATE_COLUMNS:
            return getattr(self.template, name)
        return getattr(self.version, name)


def json_text(value):
    return json.dumps(value or {}, ensure_ascii=False, sort_keys=True)


def parse_json_object(value, column):
    """A JSON-object cell (text, or already an object in a JSON file)."""
    if isinstance(value, dict):
        return value
    text = cell(value)
    if not text:
        return {}
    try:
        validate_json_depth(text)
        parsed = json.loads(text)
    except ValidationError as err:
        raise ValidationError({column: err.messages}) from err
    except ValueError as err:
        raise ValidationError(
            {column: _("This is not valid JSON: %(error)s.") % {"error": err}}
        ) from err
    if not isinstance(parsed, dict):
        raise ValidationError({column: _("This must be a JSON object ({...}).")})
    return parsed


class NotificationTemplateResource(resources.ModelResource):
    language = fields.Field(attribute="language", column_name="language")
    category = fields.Field(attribute="category", column_name="category")

    class Meta:
        model = NotificationTemplate
        name = gettext_lazy("Message templates")
        fields = COLUMNS
        import_order = COLUMNS
        export_order = COLUMNS
        import_id_fields = ["key"]
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for name in CONTENT_FIELDS:
            self.fields[name] = fields.Field(attribute=name, column_name=name)
        self.line_numbers = None
        self.seen = {}

    @classmethod
    def get_result_class(cls):
        return ImportResult

    # -- export ---------------------------------------------------------------

    def filter_export(self, queryset, **kwargs):
        """Each template's current version of every language, key by key."""
        templates = {t.pk: t for t in queryset.select_related("category").order_by()}
        versions = NotificationTemplateVersion.objects.filter(
            template_id__in=list(templates)
        ).current()
        rows = [ExportRow(templates[v.template_id], v) for v in versions]
        return sorted(rows, key=lambda row: (row.key, row.language))

    def dehydrate_example_personalisation(self, row):
        return json_text(row.example_personalisation)

    def dehydrate_category(self, row):
        return row.category.key if row.category is not None else ""

    def dehydrate_push_data(self, row):
        return json_text(row.push_data)

    def dehydrate_allow_long_sms(self, row):
        return "1" if row.allow_long_sms else "0"

    # -- import ---------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        dataset.headers = [str(h or "").strip().lower() for h in dataset.headers]
        self.line_numbers = getattr(dataset, "line_numbers", None)
        self.seen = {}
        if "key" not in dataset.headers:
            raise ValidationError(
                _("Missing required column: key. The first line must name the columns.")
            )

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        result.line_numbers = self.line_numbers
        result.ignored_columns = [h for h in dataset.headers if h and h not in COLUMNS]
        result.encoding_label = getattr(dataset, "encoding_label", "")

    def get_instance(self, instance_loader, row):
        key = cell(row.get("key"))
        template = NotificationTemplate.objects.filter(key=key).first() if key else None
        if template is not None:
            self._attach_content(template, row)
        return template

    def init_instance(self, row=None):
        template = super().init_instance(row)
        self._attach_content(template, row or {})
        return template

    @staticmethod
    def _attach_content(template, row):
        """The row language's current content on the template, so the preview
        of the import compares like with like."""
        language = normalise(cell(row.get("language"))) or version_language()
        current = template.current_versions().get(language) if template.pk else None
        template.language = language
        template.na_current = current
        for name in CONTENT_FIELDS:
            setattr(template, name, getattr(current, name) if current else _blank(name))

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        for column in ("key", "name", "description"):
            if column in row:
                setattr(instance, column, cell(row[column]))
        if not instance.name:
            instance.name = instance.key
        if "category" in row:
            self._import_category(instance, row["category"], errors)
        if "example_personalisation" in row:
            try:
                instance.example_personalisation = parse_json_object(
                    row["example_personalisation"], "example_personalisation"
                )
            except ValidationError as err:
                errors = err.update_error_dict(errors)
        language, current = instance.language, instance.na_current
        content = {}
        for name in CONTENT_FIELDS:
            if name not in row:
                content[name] = getattr(current, name) if current else _blank(name)
            elif name == "push_data":
                try:
                    content[name] = parse_json_object(row[name], name)
                except ValidationError as err:
                    errors = err.update_error_dict(errors)
                    content[name] = {}
            elif name == "allow_long_sms":
                content[name] = _boolean(row[name], errors)
            else:
                # Not cell(): leading spaces and line breaks are the author's.
                raw = "" if row[name] is None else str(row[name])
                content[name] = unescape_formula(raw)
        instance.na_content = content
        for name, value in content.items():
            setattr(instance, name, value)
        if not errors:
            for problem in check_content(content):
                errors.setdefault(problem.field or "key", []).append(problem.message)
        self._check_duplicate(instance.key, language, kwargs.get("row_number"), errors)
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def _import_category(instance, value, errors):
        key = cell(value)
        if not key:
            instance.category = None
            return
        found = NotificationCategory.objects.filter(key=key).first()
        if found is None:
            keys = NotificationCategory.objects.values_list("key", flat=True)
            errors.setdefault("category", []).append(
                _("No category with the key %(key)r (categories: %(keys)s).")
                % {"key": key, "keys": ", ".join(sorted(keys))}
            )
        else:
            instance.category = found

    def _check_duplicate(self, key, language, number, errors):
        line = line_of(self.line_numbers, number or 0)
        first = self.seen.setdefault((key, language), line)
        if first != line:
            errors.setdefault("language", []).append(
                _("Duplicate of line %(line)d (same key and language).")
                % {"line": first}
            )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or instance.pk is None:
            return False
        same_template = all(
            getattr(instance, name) == getattr(original, name)
            for name in TEMPLATE_COLUMNS
        )
        current = instance.na_current
        same_content = current is not None and current.content() == instance.na_content
        return same_template and same_content

    def save_instance(self, instance, is_create, row, **kwargs):
        instance.save()
        user = kwargs.get("user")
        instance.save_content(
            instance.na_content,
            instance.language,
            user=user if getattr(user, "pk", None) else None,
            message=_("Imported."),
        )


def _blank(name):
    if name == "allow_long_sms":
        return False
    if name == "push_data":
        return {}
    return ""


def _boolean(value, errors):
    text = cell(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    errors.setdefault("allow_long_sms", []).append(_("Use 1/0, true/false or yes/no."))
    return False


__all__ = ["COLUMNS", "NotificationTemplateResource", "TEXT_FIELDS"]
