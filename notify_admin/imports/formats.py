"""File formats for import and export: reading uploads safely, writing safe cells.

django-import-export's own text formats decode with one fixed encoding and give
a traceback-shaped message for anything else; these read bytes, detect the
encoding (UTF-8 with or without BOM, else Windows-1252/Latin-1), keep the
spreadsheet line number of every row and turn every file-level problem into an
:class:`ImportFileError` whose text is meant for the person who uploaded it.

On export, spreadsheet formats escape cells that a spreadsheet would run as a
formula (CSV injection): see :func:`escape_formula`.
"""

import codecs
import csv
import io
import json
import re

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.formats import base_formats

from ..validators import validate_json_depth

# A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_ESCAPE = "'"
# A plain signed number (an E.164 phone number, -3.5) is no formula: a
# spreadsheet shows it as a number and runs nothing, so it is left as it is.
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")

# Tried in order; latin-1 decodes any byte string, so it is the last resort.
ENCODINGS = [
    ("utf-8-sig", "UTF-8"),
    ("cp1252", "Windows-1252 (Latin-1)"),
    ("latin-1", "Latin-1 (ISO-8859-1)"),
]


class ImportFileError(ValueError):
    """The uploaded file cannot be read as a table; the message says why."""


def escape_formula(value):
    """Prefix a formula-looking text cell with ``'`` so it is shown as text.

    The library's IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a
    leading ``=`` (changing the data) and lets ``+``, ``-`` and ``@`` through.
    Only what a spreadsheet would run is escaped: a plain signed number such
    as the phone number ``+14155550100`` is written as it is.
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not PLAIN_NUMBER.fullmatch(value)
    ):
        return FORMULA_ESCAPE + value
    return value


def unescape_formula(value):
    """Undo :func:`escape_formula`, so an exported file imports unchanged."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_ESCAPE)
        and value[1:].startswith(FORMULA_PREFIXES)
    ):
        return value[1:]
    return value


def decode(data):
    """Return ``(text, encoding label)`` for uploaded bytes.

    Raises ImportFileError for an empty or binary (not text) file.
    """
    if isinstance(data, str):
        return data, "UTF-8"
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text" export.
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as err:
            raise ImportFileError(
                _("This file starts like UTF-16 text but cannot be decoded.")
            ) from err
    if b"\x00" in data[:8192]:
        raise ImportFileError(
            _(
                "This is not a text file (it looks binary, e.g. a spreadsheet "
                "workbook or an image). Save it as CSV (UTF-8) and upload that."
            )
        )
    for codec, label in ENCODINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf"):
            label = _("UTF-8 with BOM")
        return text, label
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def _is_blank(cells):
    return not any(str(cell).strip() for cell in cells if cell is not None)


def read_delimited(text, delimiter):
    """Read CSV/TSV text into a Dataset that knows each row's line number.

    Line numbers are the spreadsheet's: the header is line 1. Blank lines are
    skipped but still counted, so a reported line is where the user looks.
    """
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as err:
        raise ImportFileError(
            _("This file cannot be read as %(format)s: %(error)s.")
            % {"format": "CSV" if delimiter == "," else "TSV", "error": err}
        ) from err
    return _build_dataset(records)


def read_json(text):
    """Read a JSON list of objects (one per row) into a Dataset."""
    try:
        # Before parsing: very deep nesting makes the parser raise RecursionError.
        validate_json_depth(text)
    except ValidationError as err:
        raise ImportFileError(" ".join(err.messages)) from err
    try:
        items = json.loads(text)
    except ValueError as err:
        raise ImportFileError(
            _("This file is not valid JSON: %(error)s.") % {"error": err}
        ) from err
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ImportFileError(
            _("A JSON import must be a list of objects, one per row.")
        )
    if not items:
        raise ImportFileError(_("The file has no rows to import."))
    headers = list(dict.fromkeys(key for item in items for key in item))
    records = [headers] + [[item.get(key, "") for key in headers] for item in items]
    return _build_dataset(records)


def _build_dataset(records):
    if not records or _is_blank(records[0]):
        raise ImportFileError(
            _("The file is empty: the first line must name the columns.")
        )
    headers = [str(h).strip() for h in records[0]]
    dataset = tablib.Dataset(headers=headers)
    line_numbers = []
    for line, cells in enumerate(records[1:], start=2):
        if _is_blank(cells):
            continue
        cells = list(cells)
        if len(cells) > len(headers):
            if not _is_blank(cells[len(headers) :]):
                raise ImportFileError(
                    _(
                        "Line %(line)d has %(cells)d cells but the header (line 1) "
                        "names only %(columns)d columns."
                    )
                    % {"line": line, "cells": len(cells), "columns": len(headers)}
                )
            cells = cells[: len(headers)]
        cells += [""] * (len(headers) - len(cells))
        dataset.append(cells)
        line_numbers.append(line)
    if not line_numbers:
        raise ImportFileError(_("The file has a header line but no rows to import."))
    dataset.line_numbers = line_numbers
    return dataset


class _DetectingMixin:
    """Read bytes (never a pre-decoded str) so the encoding can be detected."""

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        text, label = decode(in_stream)
        dataset = self.read_text(text)
        dataset.encoding_label = label
        return dataset


class _EscapingMixin:
    def export_data(self, dataset, **kwargs):
        escaped = tablib.Dataset(headers=dataset.headers)
        for row in dataset:
            escaped.append([escape_formula(cell) for cell in row])
        return super().export_data(escaped, **kwargs)


class CSV(_DetectingMixin, _EscapingMixin, base_formats.CSV):
    def read_text(self, text):
        return read_delimited(text, ",")


class TSV(_DetectingMixin, _EscapingMixin, base_formats.TSV):
    def read_text(self, text):
        return read_delimited(text, "\t")


class JSON(_DetectingMixin, base_formats.JSON):
    # JSON keeps values as data: no spreadsheet evaluates it, so no escaping.
    def read_text(self, text):
        return read_json(text)


#: What the admin and the command offer: all work without extra dependencies
#: (XLSX/XLS/ODS would need openpyxl/xlrd/odfpy, YAML needs PyYAML).
FORMATS = [CSV, TSV, JSON]


def format_for_name(file_name):
    """Pick a format from a file name's extension (CSV when unknown)."""
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    for fmt in FORMATS:
        if fmt().get_extension() == extension:
            return fmt
    return CSV
