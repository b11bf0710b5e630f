"""The import's confirm step, checked before django-import-export reads it.

The confirm form carries the name of the uploaded file's temporary copy, the
format and the resource as hidden fields. A forged, replayed or missing value
(a name that is not one of our temporary files, a file already imported, a
format index out of range) would make the library raise: here it becomes a
message asking to upload the file again, and nothing is imported.
"""

import os
import re
import tempfile

from django import forms
from django.utils.translation import gettext as _
from import_export.forms import ConfirmImportForm

from ..imports.columns import USER_FIELDS

# tempfile.NamedTemporaryFile() names: "tmp" + 8 characters.
TEMP_NAME = re.compile(r"tmp[a-z0-9_]{6,16}")


def temporary_copy_exists(name):
    path = os.path.join(tempfile.gettempdir(), name)
    return os.path.isfile(path) and not os.path.islink(path)


class RecordConfirmImportForm(ConfirmImportForm):
    user_field = forms.ChoiceField(
        choices=[(f, f) for f in USER_FIELDS], widget=forms.HiddenInput()
    )

    def clean_import_file_name(self):
        name = super().clean_import_file_name()
        if not TEMP_NAME.fullmatch(name) or not temporary_copy_exists(name):
            raise forms.ValidationError(_("no such upload"), code="gone")
        return name


def _index_in(value, size, *, blank_ok=False):
    if blank_ok and value in (None, ""):
        return True
    return str(value).isdigit() and int(value) < size


def confirm_problem(form, formats, resources):
    """Why the posted confirm step cannot be imported, or None."""
    if not form.is_valid():
        if "import_file_name" in form.errors:
            return _(
                "Nothing was imported: this upload is no longer available (it "
                "was imported already, or the preview is too old). Upload the "
                "file again."
            )
        return _(
            "Nothing was imported: the confirmation was incomplete. Upload the "
            "file again."
        )
    data = form.cleaned_data
    if not _index_in(data["format"], formats) or not _index_in(
        data.get("resource"), resources, blank_ok=True
    ):
        return _(
            "Nothing was imported: the confirmation names an unknown format. "
            "Upload the file again."
        )
    return None
