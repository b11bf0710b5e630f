"""Hostile files: each gets a clear message and nothing is created.

Formula cells are data (kept as typed, never evaluated, escaped on export);
a file of 10,000 columns, of 50 MB, with NUL bytes, mixing encodings, or with
a 1 MB value is refused with a message saying what is wrong.
"""

import io

import pytest

from notify_admin.admin.streaming_export import delimited_chunks
from notify_admin.jobs import (
    EXPORT_COLUMNS,
    JobError,
    check_file,
    export_rows,
    prepare_job,
    rules,
    start,
)
from notify_admin.models import Notification, SendJob

HEADER = ["user", "name", "code"]


def refused(check, job_template, upload, job_sender):
    """The check failed, and neither a job nor a notification can come of it."""
    assert not check.ok
    with pytest.raises(JobError, match="A file with problems cannot be sent"):
        prepare_job(check, upload, template=job_template, by=job_sender)
    assert not SendJob.objects.exists()
    assert not Notification.objects.exists()
    return [(p.line, p.column, p.rule, p.message) for p in check.errors]


def test_formula_cells_are_data_sent_as_typed_and_escaped_on_export(
    job_template, job_people, job_file, job_sender
):
    job_people(2, ("email", "twilio"))
    formulas = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)"]
    upload = job_file(
        [
            HEADER,
            ["person1", formulas[0], formulas[1]],
            ["person2", formulas[3], formulas[2]],
        ]
    )
    check = check_file(upload, job_template)
    assert check.ok, check.errors
    job = start(prepare_job(check, upload, template=job_template, by=job_sender))
    bodies = set(
        Notification.objects.filter(send_job=job).values_list("body", flat=True)
    )
    assert 'Code +1+1 for =HYPERLINK("http://evil")' in bodies
    assert "Hello @SUM(A1), your code is -2+3." in bodies
    text = "".join(delimited_chunks(EXPORT_COLUMNS, export_rows(job), ","))
    assert "'=HYPERLINK" not in text  # titles: "Parcel for ..." start with P
    titles = [row[EXPORT_COLUMNS.index("title")] for row in export_rows(job)]
    assert 'Parcel for =HYPERLINK("http://evil")' in titles


def test_an_exported_formula_cell_is_escaped(
    job_template, job_people, job_file, job_sender, make_template
):
    template = make_template("title_only", push_title="((t))", push_body="b")
    job_people(1, ("expo",))
    upload = job_file([["user", "t"], ["person1", "=1+2"]])
    job = start(
        prepare_job(
            check_file(upload, template), upload, template=template, by=job_sender
        )
    )
    text = "".join(delimited_chunks(EXPORT_COLUMNS, export_rows(job), ","))
    assert ",'=1+2\r\n" in text


def test_ten_thousand_columns(job_template, job_file, job_sender):
    header = ["user", "name", "code"] + [f"c{i}" for i in range(9997)]
    upload = job_file(",".join(header) + "\r\nperson1,a,b\r\n")
    found = refused(check_file(upload, job_template), job_template, upload, job_sender)
    assert found == [
        (
            1,
            "",
            rules.FILE,
            "The file has 10000 columns; a send job's file has at most 100 "
            "(user, target and one per placeholder).",
        )
    ]


def test_a_row_of_ten_thousand_cells(job_template, job_people, job_file, job_sender):
    job_people(1)
    upload = job_file("user,name,code\r\nperson1,a,b," + "x," * 9996 + "x\r\n")
    found = refused(check_file(upload, job_template), job_template, upload, job_sender)
    assert found == [
        (
            2,
            "",
            rules.LINE,
            "This line has 10000 cells but the header (line 1) names only 3 columns.",
        )
    ]


def test_a_50_mb_file(job_template, job_file, job_sender):
    row = b"person1," + b"A" * 500 + b",A1\r\n"
    data = b"user,name,code\r\n" + row * (50_000_000 // len(row))
    upload = job_file(data)
    found = refused(check_file(upload, job_template), job_template, upload, job_sender)
    assert found == [
        (
            None,
            "",
            rules.FILE,
            "The file is 50.0 MB; a send job takes at most 20.0 MB. Split it "
            "into several files.",
        )
    ]
    # A stream that does not say its size is stopped at the limit.
    stream = io.BytesIO(data)
    stream.name = "big.csv"
    check = check_file(stream, job_template)
    assert check.errors[0].message == (
        "The file is larger than 20.0 MB, the most a send job takes. Split it "
        "into several files."
    )
    assert stream.tell() <= 20_000_000 + 128 * 1024


def test_the_size_limit_is_a_setting(job_template, job_people, job_file, settings):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_MAX_BYTES = 20
    job_people(1)
    check = check_file(job_file([HEADER, ["person1", "A", "1"]]), job_template)
    assert "a send job takes at most 0.0 MB" in check.errors[0].message


def test_nul_bytes(job_template, job_people, job_file, job_sender):
    job_people(2)
    upload = job_file(b"user,name,code\r\nperson1,A\x00nn,A1\r\nperson2,B,B2\r\n")
    found = refused(check_file(upload, job_template), job_template, upload, job_sender)
    assert found == [
        (
            2,
            "",
            rules.LINE,
            "This line contains NUL bytes (a text file has none): save the file "
            "again as CSV.",
        )
    ]
    # NUL bytes at the start: a binary file (a workbook), not a CSV.
    upload = job_file(b"PK\x03\x04\x00\x00binary", name="book.xlsx")
    found = refused(check_file(upload, job_template), job_template, upload, job_sender)
    assert [rule for _l, _c, rule, _m in found] == [rules.FILE]
    assert "This is not a text file" in found[0][3]


def test_nul_characters_in_a_utf16_file(job_template, job_people, job_file, job_sender):
    job_people(1)
    upload = job_file(
        "user\tname\tcode\r\nperson1\tA\x00\t1\r\n".encode("utf-16"), name="x.txt"
    )
    found = refused(check_file(upload, job_template), job_template, upload, job_sender)
    assert [(line, rule) for line, _c, rule, _m in found] == [(2, rules.LINE)]


def test_mixed_encodings(job_template, job_people, job_file, job_sender):
    job_people(2)
    data = (
        b"user,name,code\r\n"
        + "person1,Zoë,A1\r\n".encode()
        + "person2,Zoë,B2\r\n".encode("cp1252")
    )
    upload = job_file(data)
    found = refused(check_file(upload, job_template), job_template, upload, job_sender)
    assert found == [
        (
            None,
            "",
            rules.FILE,
            "The file mixes text encodings: line 2 is UTF-8 but line 3 is not (it "
            "looks like Windows-1252). Save the whole file again as CSV UTF-8.",
        )
    ]


def test_a_placeholder_value_of_1_mb(job_template, job_people, job_file, job_sender):
    job_people(2)
    upload = job_file(
        [HEADER, ["person1", "A", "1"], ["person2", "x" * 1_000_000, "2"]]
    )
    found = refused(check_file(upload, job_template), job_template, upload, job_sender)
    assert found == [
        (
            3,
            "",
            rules.FILE,
            "A value is longer than 131,072 characters; no value of a send job "
            "may be that long.",
        )
    ]


def test_a_value_over_the_length_limit(job_template, job_people, job_file, job_sender):
    job_people(2)
    upload = job_file([HEADER, ["person1", "A", "1"], ["person2", "x" * 20_000, "2"]])
    found = refused(check_file(upload, job_template), job_template, upload, job_sender)
    assert found == [
        (
            3,
            "name",
            rules.LINE,
            "This value is 20,000 characters; at most 10,000 are allowed.",
        )
    ]


def test_too_many_rows(job_template, job_people, job_file, job_sender, settings):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_MAX_ROWS = 2
    job_people(3)
    upload = job_file([HEADER] + [[f"person{i}", "A", "1"] for i in range(1, 4)])
    found = refused(check_file(upload, job_template), job_template, upload, job_sender)
    assert found == [
        (
            4,
            "",
            rules.FILE,
            "The file has more than 2 rows; a send job takes at most 2. Split it "
            "into several files.",
        )
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty."),
        (b"  \r\n", "The file is empty."),
        (b"user,name,code\r\n", "The file has a header line but no rows."),
        (
            b",,\r\nperson1,a,b\r\n",
            "The file is empty: the first line must name the columns.",
        ),
        (b'user,name,code\r\nperson1,"unclosed\r\n', None),
    ],
)
def test_empty_and_broken_files(
    job_template, job_people, job_file, job_sender, content, message
):
    job_people(1)
    upload = job_file(content)
    check = check_file(upload, job_template)
    assert not check.ok
    if message:
        assert [p.message for p in check.errors] == [message]
    refused(check, job_template, upload, job_sender)


def test_markup_and_template_syntax_in_values_are_data(
    job_template, job_people, job_file, job_sender
):
    job_people(1, ("email",))
    value = "<script>alert(1)</script> {{ secret }} {% load x %} ((code))"
    upload = job_file([HEADER, ["person1", value, "A1"]])
    job = start(
        prepare_job(
            check_file(upload, job_template),
            upload,
            template=job_template,
            by=job_sender,
        )
    )
    row = Notification.objects.get(send_job=job)
    assert row.title == f"Parcel for {value}"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ secret }}" in row.extra["html"]
    assert "<script>" not in row.extra["html"]
