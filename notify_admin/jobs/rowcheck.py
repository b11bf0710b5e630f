"""Checking a send job's rows, a batch at a time.

Per row, in this order (a row stops at the first of the first three): its
user (known?), its target (when the row names one), the user's opt-out
(skipped, not an error), an active address on the template's channels; then
the message rendered for each channel it goes to, exactly as it will be
created (missing values, SMS too long, push payload too big); and last, the
same user twice.
"""

from django.utils.translation import gettext as _

from ..exceptions import TemplateRenderError
from ..rendering import PUSH, SMS
from ..rendering.grammar import make_key
from .recipients import Recipients
from .rules import (
    DUPLICATE_USER,
    MESSAGE,
    MISSING_VALUE,
    NO_ADDRESS,
    PUSH_TOO_BIG,
    SMS_TOO_LONG,
    UNKNOWN_TARGET,
    UNKNOWN_USER,
)
from .seen import UNKNOWN_LINE, SeenUsers

#: Valid rows kept for the preview.
PREVIEW_KEEP = 20
#: Opted-out users listed (the count is complete).
SKIPPED_LISTED = 1000
#: Problem codes of the renderer and the channels' sizes, by rule.
SIZE_RULES = {"long_sms": SMS_TOO_LONG, "push_too_big": PUSH_TOO_BIG}
PART_NAMES = {"email": "email", SMS: "SMS", PUSH: "push"}


class RowChecker:
    def __init__(self, check, plan, columns, user_field=None):
        self.check = check
        self.plan = plan
        self.columns = columns
        self.recipients = Recipients(plan, user_field)
        self.renderer = plan.renderer(plan.version)
        # The duplicate rule: users of rows naming no target (a bitmap, see
        # .seen), and of rows naming one (a dict: such files are small).
        self.seen = SeenUsers()
        self.seen_targets = {}
        self.targeted = {}
        #: ``(line, user pk, username)`` of duplicates whose earlier line
        #: the bitmap did not keep.
        self.pending = []
        self.header_of = {make_key(name): name for name in columns.values.values()}

    def batch(self, rows):
        self.recipients.load(cells[self.columns.user] for _line, cells in rows)
        for line, cells in rows:
            self.row(line, cells)

    def row(self, line, cells):
        add = self.check.add
        try:
            user = self.recipients.user(cells[self.columns.user])
        except ValueError as err:
            add(UNKNOWN_USER, line, "user", str(err))
            return
        target = self.target(line, cells)
        if target is False:
            return
        self.duplicate(line, user, target)
        if user.pk in self.recipients.opted_out:
            self.check.skip(line, user)
            return
        addresses = self.recipients.addresses(user, target)
        if not addresses:
            add(
                NO_ADDRESS,
                line,
                "target" if target else "user",
                self.no_address(target),
            )
            return
        personalisation = self.columns.personalisation(cells)
        if self.render(line, user, personalisation, addresses):
            self.check.accept(line, user, personalisation, target, addresses)

    def target(self, line, cells):
        """The target the row names (None: every channel), False: a problem."""
        if self.columns.target is None or not cells[self.columns.target].strip():
            return None
        name = cells[self.columns.target].strip()
        target = self.plan.find_target(name)
        if target is None:
            names = ", ".join(sorted(t.name for t in self.plan.every_target.values()))
            self.check.add(
                UNKNOWN_TARGET,
                line,
                "target",
                _("There is no target “%(name)s” (targets: %(names)s).")
                % {"name": name, "names": names},
            )
            return False
        if target.pk not in self.plan.targets:
            self.check.add(
                UNKNOWN_TARGET,
                line,
                "target",
                _("The template has no part that target “%(name)s” sends.")
                % {"name": target.name},
            )
            return False
        return target

    def no_address(self, target):
        if target is not None:
            return _("The user has no active address on target “%(name)s”.") % {
                "name": target.name
            }
        names = ", ".join(sorted(self.plan.target_name(pk) for pk in self.plan.targets))
        return _(
            "The user has no active address on the template's channels (%(names)s)."
        ) % {"names": names or _("none")}

    def duplicate(self, line, user, target):
        """A user may appear once, or once per target the rows name."""
        pk = user.pk
        if target is None:
            earlier = self.targeted.get(pk)
            if earlier is None:
                earlier = self.seen.line_of(pk)
        else:
            earlier = self.seen.line_of(pk)
            if earlier is None:
                earlier = self.seen_targets.get((pk, target.pk))
        if earlier == UNKNOWN_LINE:
            # The bitmap keeps no lines: check_file looks the line up later.
            self.pending.append((line, pk, user.get_username()))
        elif earlier is not None:
            self.check.add(
                DUPLICATE_USER,
                line,
                "user",
                duplicate_message(user.get_username(), earlier),
            )
        elif target is None:
            self.seen.add(pk, line)
        else:
            self.seen_targets[(pk, target.pk)] = line
            self.targeted.setdefault(pk, line)

    def render(self, line, user, personalisation, addresses):
        """Render each part the row sends and measure it for each of its
        targets; add every problem. True when all can be sent."""
        ok, parts, said = True, {}, set()
        for target_id in self.plan.in_order(addresses):
            part, module = self.plan.targets[target_id]
            if part not in parts:
                try:
                    parts[part] = self.renderer.render(
                        part, personalisation, user=user, modules=()
                    )
                except TemplateRenderError as err:
                    parts[part], ok = None, False
                    self.problems(line, part, err, said)
                    continue
            if parts[part] is None:
                continue
            try:
                self.renderer.measured(parts[part], [module])
            except TemplateRenderError as err:
                ok = False
                self.problems(line, part, err, said)
        return ok

    def problems(self, line, part, err, said):
        for name in err.missing:
            column = self.header_of.get(make_key(name), name)
            if ("missing", column) in said:
                continue
            said.add(("missing", column))
            self.check.add(
                MISSING_VALUE,
                line,
                column,
                _("No value for “%(name)s” (the %(part)s uses it).")
                % {"name": name, "part": PART_NAMES.get(part, part)},
            )
        for problem in err.problems:
            if problem.code == "missing" or (problem.code, problem.message) in said:
                continue
            said.add((problem.code, problem.message))
            rule = SIZE_RULES.get(problem.code, MESSAGE)
            self.check.add(rule, line, "", problem.message)


def duplicate_message(username, earlier):
    if not earlier:
        return _("User “%(user)s” is already on an earlier line.") % {"user": username}
    return _("User “%(user)s” is already on line %(line)d.") % {
        "user": username,
        "line": earlier,
    }
