"""An import's outcome as data: row problems by spreadsheet line, totals."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _
from import_export.results import Result


def line_of(line_numbers, number):
    """Spreadsheet line of data row ``number`` (1-based; header = line 1).

    ``line_numbers`` comes from the file reader, which skips blank lines but
    counts them; without it (a dataset built in code) rows follow the header.
    """
    if line_numbers and 0 < number <= len(line_numbers):
        return line_numbers[number - 1]
    return number + 1


class ImportResult(Result):
    """A Result that reports rows by spreadsheet line, column and reason."""

    line_numbers = None
    ignored_columns = ()
    encoding_label = ""

    def line_of(self, number):
        return line_of(self.line_numbers, number)

    @property
    def line_errors(self):
        """Every row problem as ``(line, column, reason)``, in file order."""
        errors = []
        for row in self.invalid_rows:
            for column, reasons in row.error_dict.items():
                column = "" if column == NON_FIELD_ERRORS else column
                for reason in reasons:
                    errors.append((self.line_of(row.number), column, reason))
        for number, row_errors in self.row_errors():
            for error in row_errors:
                errors.append((self.line_of(number), "", str(error.error)))
        errors.sort(key=lambda item: item[0])
        return errors

    @property
    def file_errors(self):
        return [str(error.error) for error in self.base_errors]

    @property
    def counts(self):
        return {
            "new": self.totals["new"],
            "updated": self.totals["update"],
            "unchanged": self.totals["skip"],
            "invalid": self.totals["invalid"] + self.totals["error"],
        }

    @property
    def summary(self):
        return _(
            "%(rows)d row(s): %(new)d new, %(updated)d updated, "
            "%(unchanged)d unchanged, %(invalid)d invalid."
        ) % {"rows": self.total_rows, **self.counts}

    @property
    def failed(self):
        return self.has_errors() or self.has_validation_errors()
