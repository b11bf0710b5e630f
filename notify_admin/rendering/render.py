"""Rendering one template version for one recipient, part by part.

:class:`Renderer` parses a version once and renders it for any number of
recipients: the bulk creation builds one per version and calls
:meth:`Renderer.render` per row. Each part gives a :class:`Rendered` message
in the shape the channels already read:

- email: ``title`` = the subject (one line), ``body`` = the plain text,
  ``extra["html"]`` = the HTML with every value HTML-escaped;
- SMS: ``body`` = the text; ``title`` = the template's name (an SMS has none);
- push: ``title``, ``body``, and ``extra["data"]`` = the data with its strings
  filled in.

Each rendered part is then measured by the channels that send it
(``Channel.measure``, see :mod:`.measure`): an SMS of more segments than one
without the template's "allow long SMS", or a push payload over a channel's
limit, is an error of the recipient's message.
"""

from dataclasses import dataclass, field, replace
from html import escape

from django.utils.translation import gettext as _

from ..exceptions import TemplateChannelMissing, TemplateRenderError
from . import grammar, measure, push_data, values
from .checks import long_sms_problem
from .content import (
    EMAIL,
    PART_FIELDS,
    PARTS,
    PUSH,
    SMS,
    TEXT_FIELDS,
    Problem,
    content_of,
    parts_of,
)

#: The longest title a notification row holds (``Notification.title``).
TITLE_MAX_LENGTH = 200
PART_LABELS = {EMAIL: "email", SMS: "SMS", PUSH: "push"}
#: The field a size problem of each part is shown on.
SIZE_FIELDS = {EMAIL: "email_text", SMS: "sms_text", PUSH: "push_body"}


@dataclass(frozen=True)
class Rendered:
    """One part rendered for one recipient: what the notification row holds."""

    part: str
    title: str
    body: str
    extra: dict = field(default_factory=dict)
    #: SMS only: ``SmsSize(encoding, characters, units, segments)``.
    sms_size: object = None
    #: ``{channel module: MessageSize}`` from the channels that measured it.
    sizes: dict = field(default_factory=dict)


class Renderer:
    """A template version parsed once, rendered for many recipients."""

    def __init__(self, version, *, label="", sizer=None):
        self.sizer = sizer or measure.Sizer()
        self.content = content_of(version)
        self.parts = parts_of(self.content)
        self.label = (label or "")[:TITLE_MAX_LENGTH]
        self.keys = {part: self._keys(part) for part in PARTS}
        self.compiled = {
            name: grammar.compile_text(self.content[name]) for name in TEXT_FIELDS
        }

    def fill(self, field_name, found, escape=None):
        return grammar.fill(self.compiled[field_name], found, escape)

    def _keys(self, part):
        """``{key: first spelling}`` of the names a part's fields use."""
        found = {}
        for name in self._names(part):
            found.setdefault(grammar.make_key(name), name)
        return found

    def _names(self, part):
        names = []
        for field_name in PART_FIELDS[part]:
            value = self.content[field_name]
            if field_name == "push_data":
                names += push_data.names(value)
            elif isinstance(value, str):
                names += grammar.names(value)
        return names

    def placeholders(self, parts=None):
        """The placeholder names of ``parts`` (default: all), first spelling."""
        seen, names = set(), []
        for part in parts or self.parts:
            for key, name in self.keys[part].items():
                if key not in seen:
                    seen.add(key)
                    names.append(name)
        return names

    def missing(self, part, found):
        return [name for key, name in self.keys[part].items() if key not in found]

    def render(self, part, personalisation=None, *, user=None, modules=None):
        """The :class:`Rendered` part; raises TemplateChannelMissing when the
        version leaves ``part`` out, TemplateRenderError for anything else.

        ``modules``: the channels to measure the message for (None: every
        channel that sends the part; ``()``: none)."""
        if part not in self.parts:
            raise TemplateChannelMissing(
                _("This template has no %(part)s part.")
                % {"part": PART_LABELS.get(part, part)},
                part=part,
            )
        found, value_problems = values.collect(personalisation, user)
        used = self.keys[part]
        problems = [
            Problem("", p.message, "bad_value")
            for p in value_problems
            if not p.key or p.key in used
        ]
        missing = self.missing(part, found)
        if missing:
            problems.insert(
                0,
                Problem(
                    "",
                    _("Missing personalisation: %(names)s")
                    % {"names": ", ".join(missing)},
                    "missing",
                ),
            )
        if problems:
            raise TemplateRenderError(problems, missing=missing)
        rendered = getattr(self, f"_render_{part}")(found)
        if modules is None:
            modules = self.sizer.modules_for(part)
        return self.measured(rendered, modules) if modules else rendered

    def measured(self, rendered, modules):
        """``rendered`` with the sizes the channels ``modules`` give it;
        raises TemplateRenderError for a message one of them cannot send."""
        sizes = self.sizer.measure(
            rendered.title, rendered.body, rendered.extra, modules
        )
        problems = []
        for size in sizes.values():
            if size.error:
                problems.append(
                    Problem(SIZE_FIELDS[rendered.part], size.error, size.code)
                )
            elif size.confirm and not self.content["allow_long_sms"]:
                if rendered.part == SMS:
                    problems.append(long_sms_problem(rendered.sms_size, True))
                else:
                    problems.append(
                        Problem(SIZE_FIELDS[rendered.part], size.confirm, size.code)
                    )
        _raise(problems)
        return replace(rendered, sizes=sizes) if sizes else rendered

    def _render_email(self, found):
        content = self.content
        subject = " ".join(self.fill("email_subject", found).split())
        text = self.fill("email_text", found)
        extra = {}
        if content["email_html"].strip():
            extra["html"] = self.fill("email_html", found, escape)
        problems = []
        if not subject:
            problems.append(
                Problem("email_subject", _("The subject is empty after substitution."))
            )
        elif len(subject) > TITLE_MAX_LENGTH:
            problems.append(_title_too_long("email_subject", subject))
        _raise(problems)
        return Rendered(EMAIL, subject, text, extra)

    def _render_sms(self, found):
        text = self.fill("sms_text", found)
        size = measure.sms_size(text)
        problems = []
        if not text.strip():
            problems.append(
                Problem("sms_text", _("The SMS is empty after substitution."))
            )
        elif size.characters > measure.SMS_MAX_CHARACTERS:
            problems.append(
                Problem(
                    "sms_text",
                    _(
                        "After substitution the SMS has %(characters)d characters; "
                        "at most %(limit)d can be sent."
                    )
                    % {
                        "characters": size.characters,
                        "limit": measure.SMS_MAX_CHARACTERS,
                    },
                    "long_sms",
                )
            )
        _raise(problems)
        return Rendered(SMS, self.label or _("SMS"), text, {}, sms_size=size)

    def _render_push(self, found):
        content = self.content
        title = self.fill("push_title", found)
        body = self.fill("push_body", found)
        extra = {}
        if content["push_data"]:
            extra["data"] = push_data.substitute(content["push_data"], found)
        if len(title) > TITLE_MAX_LENGTH:
            _raise([_title_too_long("push_title", title)])
        return Rendered(PUSH, title, body, extra)


def _title_too_long(field_name, text):
    return Problem(
        field_name,
        _("After substitution this is %(length)d characters; at most %(limit)d.")
        % {"length": len(text), "limit": TITLE_MAX_LENGTH},
        "too_long",
    )


def _raise(problems):
    if problems:
        raise TemplateRenderError(problems)
