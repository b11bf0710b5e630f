"""``manage.py import_target_user_records``: all or nothing, errors by line."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from notify_admin.models import TargetUserRecord
from tests.support.csv_import import (
    CSV_DIR,
    snapshot,
)


def run(name, *args):
    out, err = StringIO(), StringIO()
    call_command(
        "import_target_user_records", str(CSV_DIR / name), *args, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def run_failing(name, *args):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_target_user_records",
            str(CSV_DIR / name),
            *args,
            stdout=out,
            stderr=err,
        )
    assert exc.value.returncode == 1
    return out.getvalue(), err.getvalue(), str(exc.value)


def test_clean_file_imports_every_row_normalised(people):
    out, err = run("good.csv")
    assert "12 row(s): 12 new, 0 updated, 0 unchanged, 0 invalid." in out
    assert err == ""
    assert TargetUserRecord.objects.count() == 12
    phone = TargetUserRecord.objects.get(user=people["alice"], target__name="Twilio")
    assert phone.target_user_id == "+14155552671"  # "+1 415 555 2671" in the file
    assert phone.description == "Alice's mobile"
    old = TargetUserRecord.objects.get(target_user_id="bob.old@example.com")
    assert old.active is False
    default = TargetUserRecord.objects.get(target_user_id="bob@example.com")
    assert default.active is True and default.description == ""
    formula = TargetUserRecord.objects.get(target_user_id="carol@example.com")
    assert formula.description == '=HYPERLINK("http://evil.example")'


def test_reimport_changes_nothing_and_says_so(people):
    run("good.csv")
    before = snapshot()
    out, _err = run("good.csv")
    assert "12 row(s): 0 new, 0 updated, 12 unchanged, 0 invalid." in out
    assert snapshot() == before


def test_changed_row_updates_the_existing_record(people, existing, tmp_path):
    path = tmp_path / "update.csv"
    path.write_text(
        "user,target,target_user_id,description,active\n"
        "bob,Email,bob@example.com,New text,no\n"
    )
    out, _ = run(str(path))
    assert "0 new, 1 updated, 0 unchanged" in out
    existing.refresh_from_db()
    assert (existing.description, existing.active) == ("New text", False)
    assert TargetUserRecord.objects.count() == 1


def test_dry_run_saves_nothing(people):
    out, _ = run("good.csv", "--dry-run")
    assert "12 new" in out and "Dry run: nothing was saved." in out
    assert TargetUserRecord.objects.count() == 0


def test_user_column_by_email(people):
    out, _ = run("good_by_email.csv", "--user-field", "email")
    assert "12 new" in out
    assert TargetUserRecord.objects.filter(user=people["alice"]).count() == 3


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "bad_unknown_user.csv",
            "line 3, column user: No user with username 'mallory'",
        ),
        ("bad_unknown_target.csv", "line 3, column target: No target named 'Pigeon'"),
        ("bad_email.csv", "line 3, column target_user_id: 'bob-at-example.com' is not"),
        ("bad_phone.csv", "line 3, column target_user_id: '555-1234' is not a valid"),
        ("bad_token.csv", "line 3, column target_user_id: 'not-a-push-token' is not"),
        ("bad_active.csv", "line 3, column active: 'maybe' is not a yes/no value"),
        ("bad_formula_address.csv", "line 3, column target_user_id:"),
        ("bad_duplicate.csv", "line 4, column target_user_id: Duplicate of line 3"),
        ("bad_empty_cell.csv", "line 4, column user: This cell is required."),
    ],
)
def test_bad_row_is_reported_and_nothing_is_imported(existing, name, expected):
    before = snapshot()
    out, err, message = run_failing(name)
    assert expected in err
    assert "1 invalid" in out or "invalid." in out
    assert "Nothing imported" in message
    # Line 2 of every bad file is valid; it must not have been saved either.
    assert snapshot() == before


def test_every_error_is_listed(existing):
    _out, err, _ = run_failing("bad_empty_cell.csv")
    assert "line 3, column target: This cell is required." in err
    assert "line 4, column user: This cell is required." in err
    assert "line 5, column target_user_id: This cell is required." in err
    _out, err, _ = run_failing("bad_duplicate.csv")
    assert "line 5, column target_user_id: Duplicate of line 2" in err


@pytest.mark.parametrize(
    "name, expected",
    [
        ("bad_not_csv.csv", "This is not a text file"),
        ("bad_empty.csv", "The file is empty."),
        ("bad_header_only.csv", "header line but no rows"),
        ("bad_missing_columns.csv", "Missing required column(s): target, target_user"),
        ("bad_ragged.csv", "Line 3 has 7 cells but the header (line 1) names only 5"),
    ],
)
def test_file_problem_is_a_clear_message(existing, name, expected):
    before = snapshot()
    with pytest.raises(CommandError) as exc:
        run(name)
    assert expected in str(exc.value)
    assert "Traceback" not in str(exc.value)
    assert snapshot() == before


def test_missing_file_is_a_clear_message(db):
    with pytest.raises(CommandError, match="Cannot read"):
        run("no-such-file.csv")


@pytest.mark.parametrize(
    "name, encoding, description",
    [
        ("good_bom.csv", "UTF-8 with BOM", "Café mail – BOM"),
        ("good_latin1.csv", "Windows-1252 (Latin-1)", "Café crème"),
    ],
)
def test_other_encodings_import_and_say_which(people, name, encoding, description):
    out, _ = run(name)
    assert f"encoding {encoding}" in out
    record = TargetUserRecord.objects.get(user=people["alice"])
    assert record.description == description


def test_extra_columns_are_ignored_and_reported(people):
    out, _ = run("good_extra_columns.csv")
    assert "Ignored columns: notes, crm_id" in out
    assert TargetUserRecord.objects.count() == 2


@pytest.mark.parametrize("name", ["good.tsv", "good.json"])
def test_other_formats(people, name):
    out, _ = run(name)
    assert "2 new" in out
    assert TargetUserRecord.objects.count() == 2
    assert TargetUserRecord.objects.filter(active=False).count() == 1


def test_import_queries_do_not_grow_with_the_row_count(db, tmp_path):
    """Users, targets and existing records are loaded per file, not per row."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    User = get_user_model()
    User.objects.bulk_create(User(username=f"u{i}") for i in range(300))

    def queries_for(rows):
        TargetUserRecord.objects.all().delete()
        path = tmp_path / f"{rows}.csv"
        lines = ["user,target,target_user_id"] + [
            f"u{i},Expo,ExponentPushToken[u{i}]" for i in range(rows)
        ]
        path.write_text("\n".join(lines) + "\n")
        with CaptureQueriesContext(connection) as queries:
            out, _ = run(str(path))
        assert f"{rows} new" in out
        return len(queries)

    few, many = queries_for(30), queries_for(300)
    # Ten times the rows may add a few batched INSERTs (SQLite caps the
    # parameters per statement), never one query per row.
    assert few <= many <= few + 5


def test_headers_are_matched_loosely_and_blank_lines_still_count(people, tmp_path):
    path = tmp_path / "loose.csv"
    path.write_text(
        " User ,TARGET,Target_User_Id\n"
        "alice,Email,alice@example.com\n"
        "\n"
        "bob,Email,not-an-address\n"
    )
    _out, err, _ = run_failing(str(path))
    # The blank line 3 is skipped but counted, as a spreadsheet shows it.
    assert "line 4, column target_user_id: 'not-an-address'" in err
    assert TargetUserRecord.objects.count() == 0


def test_email_shared_by_two_users_is_ambiguous(people, tmp_path):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("alice2", "ALICE@example.com")
    path = tmp_path / "by_email.csv"
    path.write_text(
        "user,target,target_user_id\n"
        "bob@example.com,Email,bob@example.com\n"
        "alice@example.com,Email,alice@example.com\n"
    )
    _out, err, _ = run_failing(str(path), "--user-field", "email")
    assert "line 3, column user: More than one user has the email address" in err
    assert TargetUserRecord.objects.count() == 0
