"""Reading and checking a send job's file: every problem by line and column."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class JobProblem:
    """One problem of the file: ``line`` as a spreadsheet numbers it (the
    header is line 1; None: the file as a whole), ``column`` (its header,
    "" when none) and ``message``."""

    line: int | None
    column: str
    message: str

    def __str__(self):
        where = f"line {self.line}" if self.line else "file"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class JobCheck:
    """What :func:`check_file` found."""

    template: object = None
    version: object = None
    file_name: str = ""
    size: int = 0
    sha256: str = ""
    errors: list = field(default_factory=list)
    row_count: int = 0
    #: Opted-out users (``[(line, username)]``): counted, not sent, no error.
    skipped: list = field(default_factory=list)
    #: ``{target name: notifications}``
    totals: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not self.errors

    def preview(self, limit=5):
        """The first ``limit`` rows rendered per channel, as they will be sent."""
        raise NotImplementedError("send jobs: preview comes in the next commit")


def check_file(uploaded_file, template, *, language=None):
    """Check ``uploaded_file`` against ``template`` (see the package docs)."""
    raise NotImplementedError("send jobs: check_file comes in the next commit")
