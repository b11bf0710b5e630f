"""Checking a send job's file: every problem by line and column, nothing written.

:func:`check_file` reads the file a batch of rows at a time (a fixed handful
of queries per batch; memory flat in the row count: the duplicate rule keeps
a bit per user key, :mod:`.seen`) and returns a :class:`JobCheck`. Problems
are listed in GOV.UK Notify's order (:mod:`.rules`): the file, the ``user``
column, the other columns, then each row's. Header problems stop the check:
the rows cannot be read against columns that do not match.
"""

from contextlib import suppress
from dataclasses import dataclass, field
from itertools import islice

from django.utils.translation import gettext as _

from ..models import NotificationTemplate
from . import rules
from .header import read_header
from .limits import batch_size
from .plan import JobPlan
from .preview import preview_rows
from .reading import FileProblem, FileRows
from .rowcheck import PREVIEW_KEEP, SKIPPED_LISTED, RowChecker, duplicate_message
from .source import file_name, file_size, opened


@dataclass(frozen=True)
class JobProblem:
    """One problem of the file: ``line`` as a spreadsheet numbers it (the
    header is line 1; None: the file as a whole), ``column`` (its header,
    "" when none), ``message``, and the ``rule`` it breaks (:mod:`.rules`)."""

    line: int | None
    column: str
    message: str
    rule: str = rules.FILE

    def __str__(self):
        where = _("line %(line)d") % {"line": self.line} if self.line else _("file")
        if self.column:
            where += _(", column %(column)s") % {"column": self.column}
        return f"{where}: {self.message}"


@dataclass
class JobCheck:
    """What :func:`check_file` found."""

    template: object = None
    version: object = None
    file_name: str = ""
    size: int = 0
    sha256: str = ""
    encoding: str = ""
    columns: list = field(default_factory=list)
    #: Data rows read (blank lines are not rows).
    row_count: int = 0
    #: Opted-out users, ``[(line, username)]`` (the first 1,000): counted,
    #: not sent, not errors. ``skipped_count`` is the full count.
    skipped: list = field(default_factory=list)
    skipped_count: int = 0
    #: ``{target name: notifications}`` the job will create.
    totals: dict = field(default_factory=dict)
    #: ``{rule: problems}`` (full counts; only the first ones are kept).
    problem_counts: dict = field(default_factory=dict)
    _problems: dict = field(default_factory=dict, repr=False)
    _kept: list = field(default_factory=list, repr=False)
    plan: object = field(default=None, repr=False)

    # -- what the check found --------------------------------------------------

    @property
    def ok(self):
        return not self.problem_counts

    @property
    def errors(self):
        """Every kept problem, in GOV.UK's order (rule, then line)."""
        found = []
        for rule in rules.ORDER:
            found += sorted(
                self._problems.get(rule, ()), key=lambda p: (p.line or 0, p.column)
            )
        return found

    @property
    def error_count(self):
        return sum(self.problem_counts.values())

    @property
    def notification_count(self):
        return sum(self.totals.values())

    @property
    def recipient_count(self):
        """Users the job sends to (rows less the skipped ones)."""
        return self.row_count - self.skipped_count

    def preview(self, limit=5):
        """The first ``limit`` rows as they will be sent: a list of
        :class:`~.preview.PreviewRow` (``line``, ``user``, ``messages``: one
        per target, rendered and measured by its channel)."""
        if not self.ok or self.plan is None:
            return []
        return preview_rows(self.plan, self._kept[:limit])

    def summary(self):
        """What a job keeps of its check (JSON)."""
        return {
            "totals": self.totals,
            "skipped": [[line, name] for line, name in self.skipped],
            "encoding": self.encoding,
            "columns": self.columns,
        }

    # -- filled in by the readers ---------------------------------------------

    def add(self, rule, line, column, message):
        self.problem_counts[rule] = self.problem_counts.get(rule, 0) + 1
        kept = self._problems.setdefault(rule, [])
        if len(kept) < rules.KEPT_PER_RULE:
            kept.append(JobProblem(line, column, str(message), rule))

    def skip(self, line, user):
        self.skipped_count += 1
        if len(self.skipped) < SKIPPED_LISTED:
            self.skipped.append((line, user.get_username()))

    def accept(self, line, user, personalisation, target, addresses):
        for _record, target_id in addresses:
            name = self.plan.target_name(target_id)
            self.totals[name] = self.totals.get(name, 0) + 1
        if len(self._kept) < PREVIEW_KEEP:
            self._kept.append((line, user, personalisation, addresses))


def check_file(uploaded_file, template, *, language=None, user_field=None):
    """Check ``uploaded_file`` against ``template`` (a key or a template):
    its version in ``language`` (the default language, with the usual
    fallbacks, when None). ``user_field`` ("username" or "email") forces
    how the ``user`` column is read (default: a username, else an email
    address). Raises TemplateNotFound; everything about the file is a
    problem of the returned :class:`JobCheck`."""
    template = NotificationTemplate.objects.by_key(template)
    version, _asked = template.version_for(language)
    check = JobCheck(template=template, version=version)
    check.file_name = file_name(uploaded_file)
    with opened(uploaded_file) as stream:
        checker = _check_stream(check, stream, file_size(uploaded_file), user_field)
    if checker is not None and checker.pending:
        with opened(uploaded_file) as stream:
            _earlier_lines(check, stream, checker)
    return check


def _check_stream(check, stream, size, user_field):
    """Read and check; returns the RowChecker (None when rows were not read)."""
    rows = checker = None
    try:
        rows = FileRows(stream, check.file_name, size)
        rows.open()
        check.columns = rows.header
        columns = read_header(rows.header, check.version, check.template.name)
        for rule, column, message in columns.problems:
            check.add(rule, 1, column, message)
        if not columns.problems:
            check.plan = JobPlan(check.template, check.version)
            checker = RowChecker(check, check.plan, columns, user_field)
            row_iter = iter(rows)
            while batch := list(islice(row_iter, batch_size())):
                checker.batch(batch)
        rows.finish()
    except FileProblem as err:
        check.add(rules.FILE, err.line, "", str(err))
        if rows is not None:
            _drain(rows)
    if rows is None:
        check.size = size or 0
        return None
    for line, column, message in rows.problems:
        check.add(rules.LINE, line, column, message)
    mixed = rows.mixed_encodings()
    if mixed:
        check.add(rules.FILE, None, "", mixed)
    check.row_count = rows.row_count
    if check.ok and not rows.row_count:
        check.add(rules.FILE, None, "", _("The file has a header line but no rows."))
    check.size, check.sha256 = rows.size, rows.sha256
    check.encoding = rows.encoding or rows.decoder.label
    return checker


def _drain(rows):
    """The rest of the bytes, for the size and hash (not past the limit)."""
    with suppress(FileProblem):
        rows.raw.drain()


def _earlier_lines(check, stream, checker):
    """The duplicate rule's second reading (only for a file with duplicates
    whose earlier line the bitmap did not keep): the first line of each such
    user among the rows naming no target."""
    wanted = {pk for _line, pk, _name in checker.pending}
    first = {}
    rows = FileRows(stream, check.file_name, limit=None).open()
    columns, recipients = checker.columns, checker.recipients
    row_iter = iter(rows)
    while wanted - set(first) and (batch := list(islice(row_iter, batch_size()))):
        recipients.load(cells[columns.user] for _line, cells in batch)
        for line, cells in batch:
            if columns.target is not None and cells[columns.target].strip():
                continue
            try:
                pk = recipients.user(cells[columns.user]).pk
            except ValueError:
                continue
            if pk in wanted:
                first.setdefault(pk, line)
    for line, pk, name in checker.pending:
        earlier = first.get(pk)
        earlier = earlier if earlier is not None and earlier < line else 0
        check.add(rules.DUPLICATE_USER, line, "user", duplicate_message(name, earlier))
