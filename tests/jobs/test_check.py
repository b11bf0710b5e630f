"""check_file: every rule with its line and column, in GOV.UK Notify's order;
opted-out users skipped; totals and the preview; nothing is written."""

import codecs
import hashlib

import pytest

from notify_admin.jobs import check_file, rules
from notify_admin.models import (
    Notification,
    NotificationOptOut,
    SendJob,
    TargetUserRecord,
)

HEADER = ["user", "name", "code"]


def problems(check):
    return [(p.line, p.column, p.rule) for p in check.errors]


def test_a_clean_file_passes_with_totals_per_target(job_template, job_people, job_file):
    job_people(3, ("email", "twilio"))
    upload = job_file(
        [
            HEADER,
            ["person1", "Ann", "A1"],
            ["person2", "Bob", "B2"],
            ["person3", "Cy", "C3"],
        ]
    )
    check = check_file(upload, job_template)
    assert check.ok and check.errors == []
    assert check.row_count == 3
    assert check.totals == {"Email": 3, "Twilio": 3}
    assert check.notification_count == 6
    assert check.version == job_template.current_versions()["en"]
    assert check.file_name == "recipients.csv"
    upload.seek(0)
    data = upload.read()
    assert check.size == len(data) == upload.size
    assert check.sha256 == hashlib.sha256(data).hexdigest()
    # A check writes nothing.
    assert not SendJob.objects.exists() and not Notification.objects.exists()


def test_the_user_column_is_required_and_comes_first(job_template, job_file):
    check = check_file(
        job_file([["email", "name", "code", "colour"], ["a", "b", "c", "d"]]),
        job_template,
    )
    assert not check.ok
    first = check.errors[0]
    assert (first.line, first.column, first.rule) == (1, "user", rules.USER_COLUMN)
    assert "“user” column" in first.message
    # The unknown column is named too, after it.
    assert any(
        p.column == "colour" and "not a placeholder" in p.message
        for p in check.errors[1:]
    )


def test_columns_not_matching_the_placeholders_are_named(job_template, job_file):
    check = check_file(
        job_file([["user", "Name", "colour", "colour"], ["person1", "Ann", "x", "y"]]),
        job_template,
    )
    messages = {p.column: p.message for p in check.errors}
    assert "code" in messages and "“code”" in messages["code"]  # missing column
    assert "is not a placeholder" in messages["colour"]
    colour = sorted(p.message for p in check.errors if p.column == "colour")
    assert colour[0] == "Column “colour” appears more than once."
    assert {p.rule for p in check.errors} == {rules.COLUMNS}
    # Header problems stop the check: rows are not read against them.
    assert check.row_count == 0


def test_placeholder_columns_match_as_placeholders_do(
    job_template, job_people, job_file
):
    job_people(1)
    check = check_file(
        job_file([["User", "NAME", "Code"], ["person1", "Ann", "A1"]]), job_template
    )
    assert check.ok, check.errors
    row = check.preview()[0]
    assert row.messages[0].rendered.title == "Parcel for Ann"


def test_every_row_rule_by_line_and_column_in_govuk_order(
    job_template, job_people, job_file, make_user
):
    people = job_people(4, ("email", "twilio"))
    make_user(username="nowhere", email="nowhere@example.com")  # no address
    TargetUserRecord.objects.filter(user=people[3]).update(active=False)
    upload = job_file(
        [
            HEADER,
            ["person1", "Ann", "A1"],  # 2: fine
            ["person2", "Ann", "B" * 200],  # 3: SMS too long (and fine email)
            ["ghost", "Gus", "G1"],  # 4: unknown user
            ["nowhere", "No", "N1"],  # 5: no active address
            ["person3", "", "C3"],  # 6: missing value
            ["person1", "Ann", "A1"],  # 7: the same user twice
            ["person4", "Dee", "D4"],  # 8: addresses deactivated
            ["", "x", "y"],  # 9: empty user cell
        ]
    )
    check = check_file(upload, job_template)
    assert problems(check) == [
        (4, "user", rules.UNKNOWN_USER),
        (9, "user", rules.UNKNOWN_USER),
        (5, "user", rules.NO_ADDRESS),
        (8, "user", rules.NO_ADDRESS),
        (6, "name", rules.MISSING_VALUE),
        (3, "", rules.SMS_TOO_LONG),
        (7, "user", rules.DUPLICATE_USER),
    ]
    by_line = {p.line: p.message for p in check.errors}
    assert by_line[4] == "There is no user “ghost”."
    assert by_line[9] == "The user cell is empty."
    assert "no active address on the template's channels (Email, Expo" in by_line[5]
    assert by_line[6] == "No value for “name” (the email uses it)."
    assert "segments" in by_line[3] and "does not allow long SMS" in by_line[3]
    assert by_line[7] == "User “person1” is already on line 2."
    assert str(check.errors[0]) == "line 4, column user: There is no user “ghost”."
    assert check.error_count == 7 and not check.ok
    assert check.preview() == []


def test_a_push_payload_too_big_after_substitution(make_template, job_people, job_file):
    template = make_template("push_only", push_title="Hi", push_body="((text))")
    job_people(2, ("expo",))
    check = check_file(
        job_file([["user", "text"], ["person1", "short"], ["person2", "é" * 3000]]),
        template,
    )
    assert problems(check) == [(3, "", rules.PUSH_TOO_BIG)]
    assert "Expo accepts at most 4096" in check.errors[0].message


def test_an_sms_over_1600_characters_is_too_long_even_when_long_sms_is_allowed(
    make_template, job_people, job_file
):
    template = make_template("long_ok", sms_text="((text))", allow_long_sms=True)
    job_people(2, ("twilio",))
    check = check_file(
        job_file([["user", "text"], ["person1", "x" * 500], ["person2", "x" * 1700]]),
        template,
    )
    assert problems(check) == [(3, "", rules.SMS_TOO_LONG)]


def test_opted_out_users_are_skipped_and_listed_not_errors(
    job_template, job_people, job_file
):
    people = job_people(3)
    NotificationOptOut.objects.create(user=people[1], active=True)
    check = check_file(
        job_file(
            [HEADER, ["person1", "A", "1"], ["person2", "B", "2"], ["person3", "", "3"]]
        ),
        job_template,
    )
    # person3's missing value is still an error; person2 is skipped.
    assert problems(check) == [(4, "name", rules.MISSING_VALUE)]
    assert check.skipped == [(3, "person2")] and check.skipped_count == 1
    check = check_file(
        job_file([HEADER, ["person1", "A", "1"], ["person2", "B", "2"]]), job_template
    )
    assert check.ok and check.totals == {"Email": 1} and check.recipient_count == 1


def test_users_are_found_by_username_or_email(
    job_template, job_people, job_file, make_user
):
    job_people(2)
    make_user(username="twin1", email="same@example.com")
    make_user(username="twin2", email="SAME@example.com")
    check = check_file(
        job_file(
            [
                HEADER,
                ["PERSON2@example.com", "B", "2"],
                ["person1", "A", "1"],
                ["same@example.com", "C", "3"],
            ]
        ),
        job_template,
    )
    assert problems(check) == [(4, "user", rules.UNKNOWN_USER)]
    assert "More than one user has the email address" in check.errors[0].message
    forced = check_file(
        job_file([HEADER, ["person1", "A", "1"]]), job_template, user_field="email"
    )
    assert problems(forced) == [(2, "user", rules.UNKNOWN_USER)]


def test_the_target_column_narrows_a_row_to_one_channel(
    job_template, job_people, job_file, make_template
):
    job_people(3, ("email", "twilio"))
    upload = job_file(
        [
            ["user", "target", "name", "code"],
            ["person1", "twilio", "A", "1"],
            ["person2", "", "B", "2"],
            ["person3", "pigeon", "C", "3"],
        ]
    )
    check = check_file(upload, job_template)
    assert problems(check) == [(4, "target", rules.UNKNOWN_TARGET)]
    assert "There is no target “pigeon”" in check.errors[0].message
    ok = check_file(
        job_file(
            [
                ["user", "target", "name", "code"],
                ["person1", "Twilio", "A", "1"],
                ["person2", "", "B", "2"],
            ]
        ),
        job_template,
    )
    assert ok.totals == {"Twilio": 2, "Email": 1}
    # A target the template has no part for is named as such.
    sms_only = make_template("sms_only", sms_text="Code ((code))")
    check = check_file(
        job_file([["user", "target", "code"], ["person1", "Email", "1"]]), sms_only
    )
    assert problems(check) == [(2, "target", rules.UNKNOWN_TARGET)]
    assert "no part that target “Email” sends" in check.errors[0].message


def test_the_same_user_on_two_targets_is_no_duplicate(
    job_template, job_people, job_file
):
    job_people(1, ("email", "twilio"))
    upload = job_file(
        [
            ["user", "target", "name", "code"],
            ["person1", "Email", "A", "1"],
            ["person1", "Twilio", "A", "1"],
            ["person1", "", "A", "1"],
        ]
    )
    check = check_file(upload, job_template)
    assert problems(check) == [(4, "user", rules.DUPLICATE_USER)]


def test_the_preview_renders_the_first_rows_as_they_will_be_sent(
    job_template, job_people, job_file
):
    job_people(6, ("email", "twilio"))
    rows = [HEADER] + [[f"person{i}", f"<b>N{i}</b>", f"C{i}"] for i in range(1, 7)]
    check = check_file(job_file(rows), job_template)
    preview = check.preview(limit=2)
    assert [row.line for row in preview] == [2, 3]
    first = {m.target: m for m in preview[0].messages}
    assert first["Email"].rendered.title == "Parcel for <b>N1</b>"
    # The HTML part escapes the value: what the email will hold.
    assert "Hello &lt;b&gt;N1&lt;/b&gt;" in first["Email"].rendered.extra["html"]
    assert first["Twilio"].rendered.body == "Code C1 for <b>N1</b>"
    assert first["Twilio"].rendered.sms_size.segments == 1
    assert len(check.preview()) == 5


@pytest.mark.parametrize(
    "name, encode, delimiter",
    [
        ("utf8.csv", lambda t: t.encode("utf-8"), ","),
        ("bom.csv", lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), ","),
        ("excel.txt", lambda t: t.encode("utf-16"), "\t"),
        ("windows.csv", lambda t: t.encode("cp1252"), ","),
        ("tabs.tsv", lambda t: t.encode("utf-8"), "\t"),
    ],
)
def test_the_records_imports_formats_work(
    job_template, job_people, job_file, name, encode, delimiter
):
    job_people(1)
    text = (
        delimiter.join(HEADER)
        + "\r\n"
        + delimiter.join(["person1", "Zoë “Z”", "€5"])
        + "\r\n"
    )
    check = check_file(job_file(encode(text), name=name), job_template)
    assert check.ok, check.errors
    rendered = check.preview()[0].messages[0].rendered
    assert rendered.body == "Hello Zoë “Z”, your code is €5."


def test_quoted_values_spanning_lines_keep_the_spreadsheets_line_numbers(
    job_template, job_people, job_file
):
    job_people(2)
    text = 'user,name,code\r\nperson1,"Ann\r\nSmith",A1\r\n\r\nghost,B,2\r\n'
    check = check_file(job_file(text), job_template)
    assert problems(check) == [(5, "user", rules.UNKNOWN_USER)]
    assert check.row_count == 2


def test_problems_are_counted_in_full_but_kept_per_rule(
    job_template, job_file, settings
):
    rows = [HEADER] + [[f"ghost{i}", "A", "1"] for i in range(rules.KEPT_PER_RULE + 20)]
    check = check_file(job_file(rows), job_template)
    assert check.error_count == rules.KEPT_PER_RULE + 20
    assert len(check.errors) == rules.KEPT_PER_RULE
    assert check.problem_counts == {rules.UNKNOWN_USER: rules.KEPT_PER_RULE + 20}


def test_a_template_key_that_does_not_exist_is_refused(job_file, db):
    from notify_admin.exceptions import TemplateNotFound

    with pytest.raises(TemplateNotFound):
        check_file(job_file([HEADER]), "nope")


def test_duplicates_name_their_earlier_line_after_a_second_reading(
    job_template, job_people, job_file, settings
):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_BATCH_SIZE = 2
    job_people(3, ("email", "twilio"))
    upload = job_file(
        [
            ["user", "target", "name", "code"],
            ["person2", "", "B", "2"],  # 2
            ["person1", "", "A", "1"],  # 3
            ["person3", "Twilio", "C", "3"],  # 4
            ["person1@example.com", "", "A", "1"],  # 5: person1 again (by email)
            ["person3", "", "C", "3"],  # 6: after a row naming a target
            ["person2", "Email", "B", "2"],  # 7: after a row naming none
            ["person1", "", "A", "1"],  # 8
        ]
    )
    check = check_file(upload, job_template)
    assert [(p.line, p.message) for p in check.errors] == [
        (5, "User “person1” is already on line 3."),
        (6, "User “person3” is already on line 4."),
        (7, "User “person2” is already on line 2."),
        (8, "User “person1” is already on line 3."),
    ]


def test_the_duplicate_rule_keeps_a_bit_per_integer_key():
    import uuid

    from notify_admin.jobs.seen import UNKNOWN_LINE, SeenUsers

    seen = SeenUsers()
    assert seen.line_of(7) is None
    seen.add(7, 2)
    seen.add(100_000, 3)
    assert seen.line_of(7) == UNKNOWN_LINE == seen.line_of(100_000)
    assert seen.line_of(8) is None and seen.line_of(10**9) is None
    assert len(seen.bits) <= 2 * (100_000 // 8 + 1)  # a bit per key, not per row
    key = uuid.uuid4()
    seen.add(key, 4)
    seen.add(2**40, 5)
    assert seen.line_of(key) == 4 and seen.line_of(2**40) == 5
