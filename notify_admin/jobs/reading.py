"""Reading a send job's file: a stream of rows, never the whole file in memory.

The records import (:mod:`notify_admin.imports.formats`) decodes a whole
upload at once; a send job's file may be 100,000 rows, so it is read here a
line at a time, with the same formats: CSV or TSV, UTF-8 (with or without
BOM), Excel's UTF-16 "Unicode Text", Windows-1252. Each line is decoded on
its own (UTF-8 when it is valid UTF-8, else Windows-1252, else Latin-1),
which is what lets a file that mixes encodings be named as such instead of
turning its accents into mojibake. While reading, the bytes are counted and
hashed (SHA-256).

What cannot be read becomes a :class:`~.check.JobProblem` (the caller
decides): file problems stop the reading (:class:`FileProblem`), line
problems (a NUL byte, an over-long value) are reported and reading goes on.
"""

import codecs
import csv
import hashlib
import io
import itertools
import os

from django.utils.translation import gettext as _

from .limits import max_bytes, max_columns, max_rows, max_value_length

#: Bytes read at a time from the upload.
READ_SIZE = 64 * 1024
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
TSV_EXTENSIONS = ("tsv", "tab")
DEFAULT = object()


class FileProblem(Exception):
    """The file cannot be read on: ``line`` (or None) and the message."""

    def __init__(self, message, line=None):
        self.line = line
        super().__init__(message)


def megabytes(size):
    return f"{size / 1_000_000:.1f} MB"


class HashingStream(io.RawIOBase):
    """The upload's bytes, counted and hashed as they are read; refuses to
    read past the size limit."""

    def __init__(self, stream, limit):
        self.stream = stream
        self.limit = limit
        self.hash = hashlib.sha256()
        self.size = 0

    def readable(self):
        return True

    def readinto(self, target):
        data = self.stream.read(len(target))
        if not data:
            return 0
        self.size += len(data)
        if self.size > self.limit:
            raise FileProblem(too_big_message(None, self.limit))
        self.hash.update(data)
        target[: len(data)] = data
        return len(data)

    def drain(self):
        """Read the rest (the hash and size of the whole file)."""
        while self.read(READ_SIZE):
            pass

    @property
    def sha256(self):
        return self.hash.hexdigest()


def too_big_message(size, limit):
    if size is None:
        return _(
            "The file is larger than %(limit)s, the most a send job takes. "
            "Split it into several files."
        ) % {"limit": megabytes(limit)}
    return _(
        "The file is %(size)s; a send job takes at most %(limit)s. Split it "
        "into several files."
    ) % {"size": megabytes(size), "limit": megabytes(limit)}


class LineDecoder:
    """Raw lines in, text lines out, one encoding decision per line."""

    def __init__(self):
        self.utf8_line = None  # first line that needed UTF-8 (non-ASCII)
        self.other_line = None  # first line that was not valid UTF-8
        self.other_label = ""
        self.bom = False
        self.nul_lines = []

    def decode(self, number, raw):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw, self.bom = raw[len(codecs.BOM_UTF8) :], True
        if b"\x00" in raw:
            self.nul_lines.append(number)
            raw = raw.replace(b"\x00", b"")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            if self.other_line is None:
                self.other_line = number
            try:
                text = raw.decode("cp1252")
                self.other_label = self.other_label or "Windows-1252"
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
                self.other_label = "Latin-1"
            return text
        if self.utf8_line is None and not raw.isascii():
            self.utf8_line = number
        return text

    @property
    def mixed(self):
        return self.utf8_line is not None and self.other_line is not None

    @property
    def label(self):
        if self.other_line is not None:
            return self.other_label
        return _("UTF-8 with BOM") if self.bom else "UTF-8"


class FileRows:
    """The rows of an upload: ``for line, cells in rows`` after
    :meth:`open` read the header (``rows.header``). ``problems`` collects
    line problems as ``(line, column, message)``."""

    def __init__(self, stream, file_name, size=None, *, limit=DEFAULT):
        self.file_name = file_name
        # None: no limit (a stored file, checked when it was uploaded).
        self.limit = max_bytes() if limit is DEFAULT else (limit or float("inf"))
        if size is not None and size > self.limit:
            raise FileProblem(too_big_message(size, self.limit))
        self.raw = HashingStream(stream, self.limit)
        self.decoder = LineDecoder()
        self.problems = []
        self.header = []
        self.encoding = ""
        self.row_count = 0
        self._records = None

    # -- opening: encoding, delimiter, header --------------------------------

    def open(self):
        buffered = io.BufferedReader(self.raw, buffer_size=READ_SIZE)
        start = buffered.peek(8192)[:8192]
        if not start.strip():
            raise FileProblem(_("The file is empty."))
        if start.startswith(UTF16_BOMS):
            self.encoding = "UTF-16"
            lines = self._utf16_lines(buffered)
        elif b"\x00" in start.split(b"\n", 1)[0]:
            # No header line has a NUL byte: a workbook, an image...
            raise FileProblem(
                _(
                    "This is not a text file (it looks binary, e.g. a "
                    "spreadsheet workbook or an image). Save it as CSV (UTF-8) "
                    "and upload that."
                )
            )
        else:
            lines = self._decoded_lines(buffered)
        first = next(lines, "")
        delimiter = self._delimiter(first)
        self._records = csv.reader(
            itertools.chain([first], lines), delimiter=delimiter, strict=False
        )
        self._read_header()
        return self

    def _utf16_lines(self, buffered):
        text = io.TextIOWrapper(buffered, encoding="utf-16", newline="")
        for number, line in enumerate(text, start=1):
            if "\x00" in line:
                self.decoder.nul_lines.append(number)
                line = line.replace("\x00", "")
            yield line

    def _decoded_lines(self, buffered):
        for number, raw in enumerate(buffered, start=1):
            yield self.decoder.decode(number, raw)

    def _delimiter(self, first):
        extension = os.path.splitext(self.file_name)[1].lstrip(".").lower()
        if extension in TSV_EXTENSIONS:
            return "\t"
        # Excel's "Unicode Text" (.txt) is tab-separated.
        if "\t" in first and "," not in first:
            return "\t"
        return ","

    def _read_header(self):
        try:
            header = next(self._records, None)
        except csv.Error as err:
            raise FileProblem(self._csv_message(err), line=1) from err
        if header is None or not any(cell.strip() for cell in header):
            raise FileProblem(
                _("The file is empty: the first line must name the columns."),
                line=1,
            )
        if len(header) > max_columns():
            raise FileProblem(
                _(
                    "The file has %(count)d columns; a send job's file has at "
                    "most %(limit)d (user, target and one per placeholder)."
                )
                % {"count": len(header), "limit": max_columns()},
                line=1,
            )
        self.header = [cell.strip() for cell in header]

    def _csv_message(self, err):
        if "field larger than field limit" in str(err):
            return _(
                "A value is longer than %(limit)s characters; no value of a send "
                "job may be that long."
            ) % {"limit": f"{csv.field_size_limit():,}"}
        return _("This line cannot be read as CSV: %(error)s.") % {"error": err}

    # -- the rows ---------------------------------------------------------------

    def __iter__(self):
        """``(line, cells)`` per non-blank row; the line is the spreadsheet's
        (the header is line 1), a row spanning lines counts from its first."""
        records, width, longest = self._records, len(self.header), max_value_length()
        while True:
            line = records.line_num + 1
            try:
                cells = next(records)
            except StopIteration:
                break
            except csv.Error as err:
                raise FileProblem(self._csv_message(err), line=line) from err
            if not any(cell.strip() for cell in cells):
                continue
            self.row_count += 1
            if self.row_count > max_rows():
                raise FileProblem(
                    _(
                        "The file has more than %(limit)s rows; a send job takes "
                        "at most %(limit)s. Split it into several files."
                    )
                    % {"limit": f"{max_rows():,}"},
                    line=line,
                )
            cells = self._fit(line, cells, width)
            bad = False
            for index, value in enumerate(cells):
                if len(value) > longest:
                    bad = True
                    self.problems.append(
                        (
                            line,
                            self.header[index],
                            _(
                                "This value is %(length)s characters; at most "
                                "%(limit)s are allowed."
                            )
                            % {"length": f"{len(value):,}", "limit": f"{longest:,}"},
                        )
                    )
            if bad:
                continue  # not checked further: the value is refused as such
            yield line, cells

    def _fit(self, line, cells, width):
        if len(cells) > width:
            if any(cell.strip() for cell in cells[width:]):
                self.problems.append(
                    (
                        line,
                        "",
                        _(
                            "This line has %(cells)d cells but the header (line 1) "
                            "names only %(columns)d columns."
                        )
                        % {"cells": len(cells), "columns": width},
                    )
                )
            return cells[:width]
        return cells + [""] * (width - len(cells))

    # -- after reading ------------------------------------------------------------

    def finish(self):
        """Read what is left (hash and size of the whole file) and add the
        problems only known at the end (NUL bytes, mixed encodings)."""
        self.raw.drain()
        for line in self.decoder.nul_lines[:100]:
            self.problems.append(
                (
                    line,
                    "",
                    _(
                        "This line contains NUL bytes (a text file has none): "
                        "save the file again as CSV."
                    ),
                )
            )
        if not self.encoding:
            self.encoding = self.decoder.label

    def mixed_encodings(self):
        """The message naming a mix of UTF-8 and another encoding, or ""."""
        if not self.decoder.mixed:
            return ""
        return _(
            "The file mixes text encodings: line %(utf8)d is UTF-8 but line "
            "%(other)d is not (it looks like %(label)s). Save the whole file "
            "again as CSV UTF-8."
        ) % {
            "utf8": self.decoder.utf8_line,
            "other": self.decoder.other_line,
            "label": self.decoder.other_label,
        }

    @property
    def size(self):
        return self.raw.size

    @property
    def sha256(self):
        return self.raw.sha256
