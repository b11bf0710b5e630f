"""Checking a template version's content before it is saved or imported.

:func:`check_content` returns every :class:`~.content.Problem` by field, with
a message staff can act on: malformed placeholders (with the line), a part
half filled in, a placeholder in the HTML that the plain text lacks, an SMS
longer than one segment without "allow long SMS", a push payload over Expo's
limit, text too long, NUL characters, push data that is not a JSON object.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import grammar, measure, push_data
from .content import EMAIL, MAX_LENGTHS, PUSH, SMS, TEXT_FIELDS, Problem, content_of
from .content import parts_of as content_parts

SYNTAX_MESSAGES = {
    "unclosed": gettext_lazy("Line %(line)d: “%(excerpt)s” is not closed: add “))”."),
    "nested": gettext_lazy(
        "Line %(line)d: “%(excerpt)s”: a placeholder cannot contain brackets or "
        "another placeholder."
    ),
    "empty_name": gettext_lazy("Line %(line)d: “%(excerpt)s” has no name."),
    "long_name": gettext_lazy(
        "Line %(line)d: “%(excerpt)s”: a placeholder name is at most "
        "%(limit)d characters."
    ),
    "bad_name": gettext_lazy("Line %(line)d: “%(excerpt)s”: a name cannot span lines."),
}


def syntax_problems(field, text):
    return [
        Problem(
            field,
            str(SYNTAX_MESSAGES[p.code])
            % {"line": p.line, "excerpt": p.excerpt, "limit": grammar.MAX_NAME_LENGTH},
            p.code,
        )
        for p in grammar.syntax_errors(text)
    ]


def check_content(version):
    """Every problem of ``version`` (an object or mapping of content fields)."""
    content = content_of(version)
    problems = _text_problems(content)
    problems += _push_data_problems(content["push_data"])
    if any(
        p.code in ("too_long", "nul", "not_an_object", "too_deep") for p in problems
    ):
        return problems  # measuring such text says nothing more
    parts = content_parts(content)
    if not parts:
        problems.append(
            Problem(
                "",
                _(
                    "Fill in at least one channel: an email (subject and text), "
                    "an SMS text, or a push message (title and body)."
                ),
                "no_channel",
            )
        )
    problems += _email_problems(content)
    sizer = measure.Sizer()
    problems += _push_problems(content, sizer)
    if SMS in parts:
        problems += _sms_problems(content, sizer)
    return problems


def _text_problems(content):
    problems = []
    for field in TEXT_FIELDS:
        text = content[field]
        if len(text) > MAX_LENGTHS[field]:
            problems.append(
                Problem(
                    field,
                    _("At most %(limit)d characters (this text has %(length)d).")
                    % {"limit": MAX_LENGTHS[field], "length": len(text)},
                    "too_long",
                )
            )
        elif "\x00" in text:
            problems.append(Problem(field, _("NUL characters are not allowed."), "nul"))
        else:
            problems += syntax_problems(field, text)
    return problems


def _push_data_problems(data):
    if not isinstance(data, dict):
        return [
            Problem(
                "push_data",
                _("Push data must be a JSON object ({...})."),
                "not_an_object",
            )
        ]
    try:
        texts = list(push_data.strings(data))
    except ValueError as err:
        return [Problem("push_data", str(err), "too_deep")]
    problems = []
    for text in texts:
        if "\x00" in text:
            return [Problem("push_data", _("NUL characters are not allowed."), "nul")]
        problems += syntax_problems("push_data", text)
    return problems


def _email_problems(content):
    subject, text, html = (
        content["email_subject"],
        content["email_text"],
        content["email_html"],
    )
    problems = []
    if (subject.strip() or html.strip()) and not text.strip():
        problems.append(
            Problem(
                "email_text",
                _("An email needs a plain-text body (also when it has HTML)."),
                "required",
            )
        )
    if (text.strip() or html.strip()) and not subject.strip():
        problems.append(
            Problem("email_subject", _("An email needs a subject."), "required")
        )
    if "\n" in subject or "\r" in subject:
        problems.append(
            Problem("email_subject", _("A subject is one line."), "multiline")
        )
    in_text = {grammar.make_key(name) for name in grammar.names(text)}
    only_html = [
        name for name in grammar.names(html) if grammar.make_key(name) not in in_text
    ]
    if only_html:
        problems.append(
            Problem(
                "email_html",
                ngettext(
                    "((%(names)s)) is used in the HTML but not in the plain text: "
                    "readers of the plain text would miss it.",
                    "((%(names)s)) are used in the HTML but not in the plain "
                    "text: readers of the plain text would miss them.",
                    len(only_html),
                )
                % {"names": ")), ((".join(only_html)},
                "html_only_placeholder",
            )
        )
    return problems


def _sms_problems(content, sizer):
    """The SMS as written (placeholders as text), as its channels measure it."""
    text = content["sms_text"]
    for size in sizer.measure("", text, {}, sizer.modules_for(SMS)).values():
        if size.error:
            return [Problem("sms_text", size.error, size.code)]
        if size.confirm and not content["allow_long_sms"]:
            return [long_sms_problem(measure.sms_size(text))]
    return []


def long_sms_problem(size, after_substitution=False):
    if after_substitution:
        message = _(
            "After substitution this SMS needs %(segments)d segments "
            "(%(characters)d characters, %(encoding)s), each billed as one "
            "message, and the template does not allow long SMS."
        )
    else:
        message = _(
            "This SMS needs %(segments)d segments (%(characters)d characters, "
            "%(encoding)s), each billed as one message. Shorten it, or tick "
            "“Allow long SMS”."
        )
    return Problem("sms_text", message % vars(size), "long_sms")


def _push_problems(content, sizer):
    title, body = content["push_title"], content["push_body"]
    problems = []
    if body.strip() and not title.strip():
        problems.append(
            Problem("push_title", _("A push message needs a title."), "required")
        )
    if title.strip() and not body.strip():
        problems.append(
            Problem("push_body", _("A push message needs a body."), "required")
        )
    if content["push_data"] and not (title.strip() and body.strip()):
        problems.append(
            Problem(
                "push_data",
                _("Push data is sent with a push message: fill in its title and body."),
                "required",
            )
        )
    if title.strip() and body.strip():
        extra = {"data": content["push_data"]} if content["push_data"] else {}
        sizes = sizer.measure(title, body, extra, sizer.modules_for(PUSH))
        problems += [
            Problem("push_body", size.error, size.code)
            for size in sizes.values()
            if size.error
        ]
    return problems


def errors_by_field(problems):
    """``{field: [message, ...]}`` (``""`` for the template as a whole)."""
    found = {}
    for problem in problems:
        found.setdefault(problem.field, []).append(problem.message)
    return found


__all__ = ["EMAIL", "PUSH", "SMS", "check_content", "errors_by_field"]
