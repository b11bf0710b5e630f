"""The first rows of a checked file, rendered exactly as they will be sent."""

from dataclasses import dataclass, field
from itertools import islice

from ..exceptions import TemplateRenderError
from .header import read_header
from .plan import JobPlan
from .reading import FileProblem, FileRows
from .recipients import Recipients


@dataclass(frozen=True)
class PreviewMessage:
    """One notification of a previewed row: its target, the template part,
    and the :class:`~notify_admin.rendering.Rendered` message (``title``,
    ``body``, ``extra``; ``sizes`` measured by the target's channel)."""

    target: str
    part: str
    rendered: object


@dataclass(frozen=True)
class PreviewRow:
    line: int
    user: object
    personalisation: dict
    messages: list = field(default_factory=list)


def preview_rows(plan, kept):
    """``kept``: ``(line, user, personalisation, addresses)`` of valid rows."""
    renderer = plan.renderer(plan.version)
    found = []
    for line, user, personalisation, addresses in kept:
        parts, messages = {}, []
        for target_id in plan.in_order(addresses):
            part, module = plan.targets[target_id]
            if part not in parts:
                parts[part] = renderer.render(
                    part, personalisation, user=user, modules=()
                )
            messages.append(
                PreviewMessage(
                    plan.target_name(target_id),
                    part,
                    renderer.measured(parts[part], [module]),
                )
            )
        found.append(PreviewRow(line, user, dict(personalisation), messages))
    return found


def preview_job(job, limit=5):
    """The first ``limit`` rows of a saved job's stored file that will be
    sent, rendered from the version the job pinned (a template edited since
    changes nothing here, as it changes nothing of the rows). The file is
    read only as far as those rows: the cost does not grow with the file.
    ``[]`` once the file is gone (the rows exist: look at them instead)."""
    if not job.has_file:
        return []
    plan = JobPlan(job.template, job.template_version)
    try:
        rows = FileRows(job.open_file(), job.file_name, limit=None).open()
    except FileProblem:
        return []
    columns = read_header(rows.header, job.template_version, job.template.name)
    if columns.problems:
        return []
    recipients, found = Recipients(plan), []
    row_iter = iter(rows)
    while len(found) < limit and (batch := list(islice(row_iter, max(20, limit)))):
        recipients.load(cells[columns.user] for _line, cells in batch)
        for line, cells in batch:
            kept = _sendable(plan, recipients, columns, line, cells)
            if kept is None:
                continue
            try:
                found += preview_rows(plan, [kept])
            except TemplateRenderError:
                continue  # the data changed since the check: not previewed
            if len(found) == limit:
                break
    return found


def _sendable(plan, recipients, columns, line, cells):
    """``(line, user, personalisation, addresses)``, or None for a row that
    sends nothing (now unknown or opted out, no address)."""
    try:
        user = recipients.user(cells[columns.user])
    except ValueError:
        return None
    target = None
    if columns.target is not None and cells[columns.target].strip():
        target = plan.find_target(cells[columns.target])
        if target is None or target.pk not in plan.targets:
            return None
    if user.pk in recipients.opted_out:
        return None
    addresses = recipients.addresses(user, target)
    if not addresses:
        return None
    return line, user, columns.personalisation(cells), addresses
