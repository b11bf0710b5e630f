"""Helpers for the CSV import/export tests (tests/imports/, and the hostile
input walk in tests/admin/): fixture files, upload and confirm through the
admin, export form data, a staff user with record permissions, a snapshot of
every record. The fixtures ``people``, ``existing`` and ``importer`` are in
tests/imports/conftest.py.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notify_admin.imports.records import TargetUserRecordResource
from notify_admin.models import TargetUserRecord

CSV_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "csv"
FORMAT_INDEX = {"csv": "0", "tsv": "1", "json": "2"}
IMPORT_URL = "admin:notify_admin_targetuserrecord_import"
PROCESS_URL = "admin:notify_admin_targetuserrecord_process_import"


def fixture_bytes(name):
    return (CSV_DIR / name).read_bytes()


def snapshot():
    """Every record's identity and values, to prove nothing changed."""
    return sorted(
        TargetUserRecord.objects.values_list(
            "user__username",
            "target__name",
            "target_user_id",
            "description",
            "active",
            "modified",
        )
    )


def staff_user(*codenames, username="staff"):
    user = get_user_model().objects.create_user(
        username, f"{username}@example.com", "pw", is_staff=True
    )
    perms = Permission.objects.filter(
        content_type__app_label="notify_admin", codename__in=codenames
    )
    assert perms.count() == len(codenames), codenames
    user.user_permissions.set(perms)
    return user


ALL_RECORD_PERMS = (
    "view_targetuserrecord",
    "add_targetuserrecord",
    "change_targetuserrecord",
    "import_targetuserrecord",
    "export_targetuserrecord",
)


def upload(client, data, name="records.csv", fmt="csv", user_field="username"):
    return client.post(
        reverse(IMPORT_URL),
        {
            "resource": "0",
            "format": FORMAT_INDEX[fmt],
            "user_field": user_field,
            "import_file": SimpleUploadedFile(name, data, content_type="text/csv"),
        },
    )


def confirm(client, response):
    form = response.context["confirm_form"]
    assert form is not None
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(PROCESS_URL), data)


def export_form_data(resource_class=TargetUserRecordResource, fmt="csv"):
    data = {"resource": "0", "format": FORMAT_INDEX[fmt]}
    prefix = resource_class.__name__.lower()
    for field in resource_class().get_export_order():
        data[f"{prefix}_{field}"] = "on"
    return data
