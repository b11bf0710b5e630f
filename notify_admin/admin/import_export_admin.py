"""Import/export behaviour shared by the ModelAdmins (django-import-export 4.x).

- Permissions: import and export need their own model permissions
  (``import_<model>`` / ``export_<model>``). IMPORT_EXPORT_IMPORT_PERMISSION_CODE
  and IMPORT_EXPORT_EXPORT_PERMISSION_CODE choose the code; when a host project
  leaves them unset we still require ``import`` / ``export`` rather than letting
  every staff user in.
- Nothing half-imports: the confirm step rolls back on any row error, and the
  confirm button is only offered when the dry run had none.
- Every import and export leaves an admin-log entry.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.forms import ImportForm

from ..imports.columns import (
    COLUMNS,
    REQUIRED_COLUMNS,
    check_columns,
    get_import_user_field,
)
from ..imports.formats import FORMATS, ImportFileError
from .import_confirm import RecordConfirmImportForm, confirm_problem

USER_FIELD_CHOICES = [
    ("username", gettext_lazy("username")),
    ("email", gettext_lazy("email address")),
]


def _has_model_permission(request, opts, setting, default):
    code = getattr(settings, setting, None) or default
    codename = get_permission_codename(code, opts)
    return request.user.has_perm(f"{opts.app_label}.{codename}")


class RecordImportForm(ImportForm):
    """The upload step: checks the file itself before any row is looked at."""

    user_field = forms.ChoiceField(
        label=gettext_lazy("Users are identified by"),
        choices=USER_FIELD_CHOICES,
    )
    field_order = ["resource", "import_file", "format", "user_field"]
    #: The file's columns (all, and those it must have).
    columns = COLUMNS
    required_columns = REQUIRED_COLUMNS

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.import_formats = formats
        self.encoding_label = ""
        self.ignored_columns = []
        self.fields["user_field"].initial = get_import_user_field()

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        fmt = cleaned.get("format")
        if upload is None or fmt in (None, ""):
            return cleaned
        data = b"".join(upload.chunks())
        try:
            dataset = self.import_formats[int(fmt)]().create_dataset(data)
            self.ignored_columns = check_columns(
                dataset, self.required_columns, self.columns
            )
        except ImportFileError as err:
            self.add_error("import_file", str(err))
            return cleaned
        self.encoding_label = dataset.encoding_label
        return cleaned


class LoggedExportMixin:
    """Export with its own permission, safe formats, and an admin-log entry."""

    def has_export_permission(self, request):
        return _has_model_permission(
            request, self.opts, "IMPORT_EXPORT_EXPORT_PERMISSION_CODE", "export"
        )

    def get_export_formats(self):
        return [f for f in FORMATS if f().can_export()]

    def export_admin_action(self, request, queryset):
        if not self.has_export_permission(request):
            raise PermissionDenied
        return super().export_admin_action(request, queryset)

    def get_valid_export_item_pks(self, request):
        # The library's default lists every pk in the table (one huge query,
        # and rows the user may not see); only the posted, visible ones count.
        posted = request.POST.getlist("export_items")
        queryset = self.get_export_queryset(request).filter(pk__in=posted)
        return [str(pk) for pk in queryset.values_list("pk", flat=True)]

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        opts = self.model._meta
        LogEntry.objects.create(
            user_id=request.user.pk,
            content_type=ContentType.objects.get_for_model(self.model),
            object_repr=_("Export of %(count)d %(name)s")
            % {"count": len(dataset), "name": opts.verbose_name_plural},
            action_flag=CHANGE,
            change_message=_("Exported %(count)d %(name)s.")
            % {"count": len(dataset), "name": opts.verbose_name_plural},
        )
        return dataset


class RecordImportMixin:
    """The import flow of TargetUserRecordAdmin (mix in before ImportMixin)."""

    import_template_name = "admin/notify_admin/targetuserrecord/import.html"
    import_form_class = RecordImportForm
    #: The header line of the template CSV offered on the import page.
    import_columns = COLUMNS
    confirm_form_class = RecordConfirmImportForm
    # Read bytes, let the format detect the encoding (formats.decode).
    from_encoding = None

    def has_import_permission(self, request):
        return _has_model_permission(
            request, self.opts, "IMPORT_EXPORT_IMPORT_PERMISSION_CODE", "import"
        )

    def get_import_formats(self):
        return [f for f in FORMATS if f().can_import()]

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        cleaned = getattr(form, "cleaned_data", None) or {}
        return {"user_field": cleaned.get("user_field") or None}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["user_field"] = import_form.cleaned_data["user_field"]
        return initial

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_import(self, request, **kwargs):
        """The confirm step, refused with a message when its hidden fields
        were forged, replayed or lost (see admin/import_confirm.py)."""
        if request.method == "POST" and self.has_import_permission(request):
            problem = confirm_problem(
                self.create_confirm_form(request),
                len(self.get_import_formats()),
                len(self.get_import_resource_classes(request)),
            )
            if problem is None:
                try:
                    return super().process_import(request, **kwargs)
                except FileNotFoundError:  # imported meanwhile (a double submit)
                    problem = confirm_problem(self.create_confirm_form(request), 0, 0)
            messages.error(request, problem)
            return HttpResponseRedirect(self.import_url())
        return super().process_import(request, **kwargs)

    def import_url(self):
        return reverse(
            "admin:{}_{}_import".format(*self.get_model_info()),
            current_app=self.admin_site.name,
        )

    def process_dataset(self, dataset, form, request, **kwargs):
        # Rows are checked again at confirm time (the data may have changed
        # since the dry run); any row error then rolls the whole file back.
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().process_dataset(dataset, form, request, **kwargs)

    def process_result(self, result, request):
        if result.failed:
            problems = [
                f"line {line}, column {column or '-'}: {reason}"
                for line, column, reason in result.line_errors[:20]
            ] + result.file_errors
            messages.error(
                request,
                _("Nothing was imported: %(summary)s %(problems)s")
                % {"summary": result.summary, "problems": "; ".join(problems)},
            )
            return HttpResponseRedirect(
                reverse(
                    "admin:{}_{}_import".format(*self.get_model_info()),
                    current_app=self.admin_site.name,
                )
            )
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        messages.success(
            request, _("Import finished: %(summary)s") % {"summary": result.summary}
        )

    def get_urls(self):
        info = self.get_model_info()
        urls = [
            path(
                "import/template.csv",
                self.admin_site.admin_view(self.import_template_view),
                name="{}_{}_import_template".format(*info),
            )
        ]
        return urls + super().get_urls()

    def import_template_view(self, request):
        """A CSV with the header line only: fill in rows and upload it."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        response = HttpResponse(
            ",".join(self.import_columns) + "\r\n",
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{self.opts.model_name}-template.csv"'
        )
        return response
