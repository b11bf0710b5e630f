"""Import target user records from a CSV (or TSV/JSON) file, all or nothing.

    python manage.py import_target_user_records FILE [--dry-run]
        [--user-field username|email] [--format csv|tsv|json]

Uses the same resource (``notify_admin.imports``) as the admin import, so the
rules and messages are the same. Every invalid row is printed with its line,
column and reason; when any row is invalid nothing is imported and the command
exits with status 1. Needs no django.contrib.admin.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...imports.columns import USER_FIELDS, check_columns
from ...imports.formats import FORMATS, ImportFileError, format_for_name
from ...imports.records import TargetUserRecordResource

FORMAT_NAMES = {fmt().get_extension(): fmt for fmt in FORMATS}


class CommandResource(TargetUserRecordResource):
    """The admin's resource without the HTML diff only the admin preview shows."""

    class Meta(TargetUserRecordResource.Meta):
        skip_html_diff = True


class Command(BaseCommand):
    help = (
        "Import target user records (columns user, target, target_user_id, "
        "description, active) from a CSV file. Nothing is imported when any row "
        "is invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the file to import.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would change; save nothing.",
        )
        parser.add_argument(
            "--user-field",
            choices=USER_FIELDS,
            default=None,
            help="What the user column holds (default: the setting "
            "NOTIFICATION_SYSTEM_IMPORT_USER_FIELD, else username).",
        )
        parser.add_argument(
            "--format",
            choices=sorted(FORMAT_NAMES),
            default=None,
            help="File format (default: from the file name's extension, else csv).",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        dataset, fmt = self.read(path, options["format"])
        resource = CommandResource(user_field=options["user_field"])
        result = resource.import_data(
            dataset,
            dry_run=options["dry_run"],
            use_transactions=True,
            rollback_on_validation_errors=True,
        )
        self.report(result)
        if result.failed:
            raise CommandError(
                "Nothing imported: fix the errors above and run again.",
                returncode=1,
            )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was saved.")
        else:
            self.stdout.write(self.style.SUCCESS("Import finished."))

    def read(self, path, format_name):
        try:
            data = path.read_bytes()
        except OSError as err:
            raise CommandError(f"Cannot read {path}: {err.strerror}.") from err
        fmt = FORMAT_NAMES[format_name] if format_name else format_for_name(path.name)
        try:
            dataset = fmt().create_dataset(data)
            ignored = check_columns(dataset)
        except ImportFileError as err:
            raise CommandError(f"{path}: {err}") from err
        self.stdout.write(
            f"Read {path.name}: {fmt().get_title().upper()}, encoding "
            f"{dataset.encoding_label}, {len(dataset)} row(s)."
        )
        if ignored:
            self.stdout.write(f"Ignored columns: {', '.join(ignored)}")
        return dataset, fmt

    def report(self, result):
        for message in result.file_errors:
            self.stderr.write(f"error: {message}")
        for line, column, reason in result.line_errors:
            where = f"line {line}, column {column}" if column else f"line {line}"
            self.stderr.write(f"{where}: {reason}")
        self.stdout.write(result.summary)
