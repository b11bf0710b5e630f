"""Reading uploaded bytes: encodings, line numbers, file-level messages."""

import codecs

import pytest

from notify_admin.imports.formats import CSV, JSON, TSV, ImportFileError, decode

HEADER = "user,target,target_user_id\n"


@pytest.mark.parametrize(
    "data, label",
    [
        ("é".encode(), "UTF-8"),
        (codecs.BOM_UTF8 + "é".encode(), "UTF-8 with BOM"),
        ("é".encode("cp1252"), "Windows-1252 (Latin-1)"),
        ("€".encode("cp1252"), "Windows-1252 (Latin-1)"),
        ("é".encode("utf-16"), "UTF-16"),
    ],
)
def test_decode_detects_the_encoding(data, label):
    text, found = decode(data)
    assert found == label
    assert text.lstrip("\ufeff") in {"é", "€"}


def test_utf16_tab_separated_text_from_excel_imports():
    data = (HEADER.replace(",", "\t") + "alice\tEmail\ta@example.com\n").encode(
        "utf-16"
    )
    dataset = TSV().create_dataset(data)
    assert dataset.headers == ["user", "target", "target_user_id"]
    assert dataset[0] == ("alice", "Email", "a@example.com")


def test_rows_keep_their_spreadsheet_line_numbers():
    data = (HEADER + "a,Email,x\n\n,,\nb,Email,y\n").encode()
    dataset = CSV().create_dataset(data)
    assert len(dataset) == 2
    assert dataset.line_numbers == [2, 5]


def test_short_rows_are_padded_and_empty_trailing_cells_dropped():
    dataset = CSV().create_dataset((HEADER + "a,Email\nb,Email,y,,\n").encode())
    assert dataset[0] == ("a", "Email", "")
    assert dataset[1] == ("b", "Email", "y")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty."),
        (b"  \n\n", "The file is empty."),
        (b"PK\x03\x04\x14\x00\x00\x00", "This is not a text file"),
        (b",,\nalice,Email,x\n", "the first line must name the columns"),
        (HEADER.encode(), "header line but no rows"),
        ((HEADER + "a,b,c,d\n").encode(), "Line 2 has 4 cells"),
    ],
)
def test_file_problems_are_messages(data, message):
    with pytest.raises(ImportFileError, match=message):
        CSV().create_dataset(data)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"{not json", "not valid JSON"),
        (b'{"user": "a"}', "list of objects"),
        (b"[]", "no rows"),
    ],
)
def test_json_problems_are_messages(data, message):
    with pytest.raises(ImportFileError, match=message):
        JSON().create_dataset(data)
