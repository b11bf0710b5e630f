"""The placeholder grammar: ``((name))`` and ``((name??optional text))``.

The grammar of GOV.UK Notify (notifications-utils ``field.py``): a placeholder
is ``((``, a body of anything but round brackets (``[^()]+``), then ``))``; a
body with ``??`` is optional text, shown when the value is yes/true. Nothing
nests, and nothing else in the text means anything: braces, ``{% %}`` and
``{{ }}`` are plain characters. Names compare without case, spaces,
underscores or hyphens (``((First name))`` is ``first_name``), as in Notify.

Where Notify leaves a malformed placeholder as text, this module reports it
(:func:`syntax_errors`): a ``((`` that no ``))`` closes, or one whose body
holds a bracket (a nested placeholder), and an empty name.
"""

import functools
import re
from dataclasses import dataclass

PATTERN = re.compile(r"\({2}([^()]+)\){2}")
OPTIONAL_SEPARATOR = "??"
#: The longest placeholder name accepted (a form field is made of each).
MAX_NAME_LENGTH = 100
#: Problems reported per text: the first few say what to fix.
MAX_PROBLEMS = 10
#: Values that show an optional text (compared without case), as in Notify.
TRUE_VALUES = frozenset({"yes", "y", "true", "t", "1", "include", "show"})
_KEY_DROPS = str.maketrans("", "", " _-")


@functools.lru_cache(maxsize=4096)
def _key(name):
    return name.translate(_KEY_DROPS).lower()


def make_key(name):
    """The form names are compared in: no case, spaces, underscores, hyphens."""
    return _key(name if name.__class__ is str else str(name))


@dataclass(frozen=True)
class Placeholder:
    """One ``((...))`` in a text: its name and, for ``((name??text))``, the text."""

    body: str
    start: int
    end: int

    @property
    def name(self):
        return self.body.split(OPTIONAL_SEPARATOR, 1)[0].strip()

    @property
    def key(self):
        return make_key(self.name)

    @property
    def is_optional(self):
        return OPTIONAL_SEPARATOR in self.body

    @property
    def optional_text(self):
        return self.body.split(OPTIONAL_SEPARATOR, 1)[1] if self.is_optional else ""

    @property
    def source(self):
        return f"(({self.body}))"


def find(text):
    """The placeholders of ``text``, in order (malformed ones are not in it)."""
    return [
        Placeholder(match.group(1), match.start(), match.end())
        for match in PATTERN.finditer(text or "")
    ]


def names(text):
    """The placeholder names of ``text``, first spelling of each, in order."""
    seen, found = set(), []
    for placeholder in find(text):
        if placeholder.key and placeholder.key not in seen:
            seen.add(placeholder.key)
            found.append(placeholder.name)
    return found


@dataclass(frozen=True)
class SyntaxProblem:
    """What is wrong, where (1-based line), and the text it is about."""

    code: str  # "unclosed", "nested", "empty_name", "long_name", "bad_name"
    line: int
    excerpt: str


def syntax_errors(text, limit=MAX_PROBLEMS):
    """What is malformed in ``text``: up to ``limit`` :class:`SyntaxProblem`.

    Linear in the length of the text: the regular expression takes every
    well-formed placeholder, and any ``((`` left between them is malformed.
    """
    text = text or ""
    problems, position, closing = [], 0, [None]
    for placeholder in find(text):
        problems += _stray_openings(text, position, placeholder.start, closing)
        problems += _name_problems(text, placeholder)
        position = placeholder.end
        if len(problems) >= limit:
            return problems[:limit]
    problems += _stray_openings(text, position, len(text), closing)
    return problems[:limit]


def _stray_openings(text, start, stop, closing):
    """A ``((`` between well-formed placeholders opens one that is malformed:
    nested (a bracket before its ``))``) or never closed. ``closing`` keeps
    the last ``))`` found, so the text is searched once, not once per ``((``.
    """
    problems = []
    at = text.find("((", start, stop)
    while at != -1 and len(problems) < MAX_PROBLEMS:
        line = text.count("\n", 0, at) + 1
        if closing[0] is None or (closing[0] != -1 and closing[0] < at + 2):
            closing[0] = text.find("))", at + 2)
        code = "unclosed" if closing[0] == -1 else "nested"
        end = len(text) if closing[0] == -1 else closing[0] + 2
        problems.append(
            SyntaxProblem(code, line, _excerpt(text[at : min(end, at + 80)]))
        )
        # Past this opening's run of brackets: "(((" is one problem, not two.
        at += 2
        while at < stop and text[at] == "(":
            at += 1
        at = text.find("((", at, stop)
    return problems


def _name_problems(text, placeholder):
    line = text.count("\n", 0, placeholder.start) + 1
    name = placeholder.name
    if not name:
        return [SyntaxProblem("empty_name", line, _excerpt(placeholder.source))]
    if len(name) > MAX_NAME_LENGTH:
        return [SyntaxProblem("long_name", line, _excerpt(placeholder.source))]
    if "\n" in name or "\r" in name:
        return [SyntaxProblem("bad_name", line, _excerpt(placeholder.source))]
    return []


def _excerpt(source, limit=40):
    source = " ".join(source.split())
    return source if len(source) <= limit else source[: limit - 1] + "…"


def is_true(value):
    """Whether a value shows an optional text (yes, y, true, t, 1, include, show)."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return str(value).strip().lower() in TRUE_VALUES


def value_text(value):
    """A personalisation value as text: lists joined with ", ", None empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(value_text(item) for item in value if item is not None)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def substitute(text, values, *, escape=None):
    """``text`` with each placeholder replaced from ``values``.

    ``values`` maps :func:`make_key` keys to values; a placeholder whose key
    is not in it is left as it was (callers check for missing values first).
    ``escape`` (e.g. ``django.utils.html.escape``) is applied to each value,
    never to the template's own text or optional text: that is the author's.
    """
    if not text:
        return text or ""

    def replace(match):
        placeholder = Placeholder(match.group(1), match.start(), match.end())
        if placeholder.key not in values:
            return match.group(0)
        value = values[placeholder.key]
        if placeholder.is_optional:
            return placeholder.optional_text if is_true(value) else ""
        value = value_text(value)
        return escape(value) if escape is not None else value

    return PATTERN.sub(replace, text)


def compile_text(text):
    """``text`` split once into literal strings and ``(key, optional text or
    None, source)`` triples, for :func:`fill` to render many times over."""
    pieces, position = [], 0
    for placeholder in find(text):
        if placeholder.start > position:
            pieces.append(text[position : placeholder.start])
        optional = placeholder.optional_text if placeholder.is_optional else None
        pieces.append((placeholder.key, optional, placeholder.source))
        position = placeholder.end
    if position < len(text or ""):
        pieces.append(text[position:])
    return tuple(pieces)


def fill(pieces, values, escape=None):
    """A compiled text (:func:`compile_text`) with the placeholders filled in,
    exactly as :func:`substitute` would."""
    out = []
    for piece in pieces:
        if piece.__class__ is str:
            out.append(piece)
            continue
        key, optional, source = piece
        if key not in values:
            out.append(source)
        elif optional is not None:
            if is_true(values[key]):
                out.append(optional)
        else:
            value = values[key]
            value = value if value.__class__ is str else value_text(value)
            out.append(escape(value) if escape is not None else value)
    return "".join(out)
