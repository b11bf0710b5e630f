"""The import flow of message templates: upload, dry-run preview (every row's
problem by line and column), confirm; nothing half-imports.

The same rules as the address import (``import_export_admin``): its own
permission, the console's file formats (encoding detected, formula cells
unescaped), a forged or replayed confirm step refused with a message, row
errors at confirm time rolling the whole file back.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from import_export.forms import ConfirmImportForm

from ..imports.formats import FORMATS, ImportFileError
from .import_confirm import TEMP_NAME, confirm_problem, temporary_copy_exists
from .import_export_admin import _has_model_permission


class TemplateConfirmImportForm(ConfirmImportForm):
    def clean_import_file_name(self):
        name = super().clean_import_file_name()
        if not TEMP_NAME.fullmatch(name) or not temporary_copy_exists(name):
            from django import forms

            raise forms.ValidationError(_("no such upload"), code="gone")
        return name


class TemplateImportMixin:
    """Mix in before import-export's ImportMixin / ImportExportMixin."""

    import_template_name = "admin/notify_admin/notificationtemplate/import.html"
    confirm_form_class = TemplateConfirmImportForm
    from_encoding = None

    def has_import_permission(self, request):
        return _has_model_permission(
            request, self.opts, "IMPORT_EXPORT_IMPORT_PERMISSION_CODE", "import"
        )

    def get_import_formats(self):
        return [f for f in FORMATS if f().can_import()]

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def import_url(self):
        return reverse(
            "admin:{}_{}_import".format(*self.get_model_info()),
            current_app=self.admin_site.name,
        )

    def process_import(self, request, **kwargs):
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

    def process_dataset(self, dataset, form, request, **kwargs):
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
            return HttpResponseRedirect(self.import_url())
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        messages.success(
            request, _("Import finished: %(summary)s") % {"summary": result.summary}
        )
