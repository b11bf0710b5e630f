"""Validation of what staff and files type in: addresses, JSON, template names.

``TargetUserRecord.target_user_id`` holds an address whose shape depends on the
target's channel. Each channel declares its rule
(``Channel.normalise_address``); :func:`normalise_address` asks the registry
for it (the channel layer's base never imports the models, so the models may
reach it through here). The rules for email addresses, E.164 phone numbers and
Expo push tokens are below; the built-in channels declare them.

JSON text is checked for its nesting depth before it is parsed (Python's
parser raises RecursionError on very deep input), and a ``template_name`` in a
notification's ``extra`` must be a template the email channel can render.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .channels.base import Channel
from .channels.registry import channel_type
from .exceptions import UnknownChannel

EXPO_TOKEN_RE = re.compile(r"^Expo(?:nent)?PushToken\[[A-Za-z0-9_\-:.]+\]$")
# Letters in a phone number: phonenumbers would map them to keypad digits
# ("CALL-NOW" -> 2255669), which is never what a typed address meant.
LETTERS_RE = re.compile(r"[^\W\d_]")
#: The deepest JSON staff or an import file may send (extra, import rows).
MAX_JSON_DEPTH = 32
_JSON_STRING_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_JSON_BRACKETS_RE = re.compile(r"[\[\]{}]")


def normalise_email_address(value):
    value = (value or "").strip()
    try:
        validate_email(value)
    except ValidationError as err:
        raise ValidationError(
            _("%(value)r is not a valid email address."),
            code="invalid_email",
            params={"value": value},
        ) from err
    return value


def normalise_phone_number(value):
    """Return ``value`` in E.164 form, or raise ValidationError."""
    # Imported here: its metadata costs every process start, and only
    # address validation (forms, imports, the admin) needs it.
    import phonenumbers

    raw = (value or "").strip()
    message = _(
        "%(value)r is not a valid phone number in international (E.164) form, "
        "e.g. +14155552671."
    )
    if LETTERS_RE.search(raw):
        raise ValidationError(
            _("%(value)r is not a phone number: it has letters in it."),
            code="invalid_phone",
            params={"value": raw},
        )
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException as err:
        raise ValidationError(
            message, code="invalid_phone", params={"value": raw}
        ) from err
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(message, code="invalid_phone", params={"value": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_expo_push_token(value):
    value = (value or "").strip()
    if not EXPO_TOKEN_RE.match(value):
        raise ValidationError(
            _(
                "%(value)r is not an Expo push token "
                "(expected ExponentPushToken[...] or ExpoPushToken[...])."
            ),
            code="invalid_push_token",
            params={"value": value},
        )
    return value


# Rules registered by hand (the older way), ahead of the channels' own.
_NORMALISERS = {}


def register_address_normaliser(module_name, func):
    """Give channel ``module_name`` an address rule (prefer declaring
    ``normalise_address`` on the channel class).

    ``func(value) -> str`` returns the normalised address or raises
    ``ValidationError``.
    """
    _NORMALISERS[module_name] = func


def normalise_address(module_name, value):
    """Normalise ``value`` for the channel ``module_name`` (its declared
    rule). A module that names no channel only needs a non-blank value."""
    func = _NORMALISERS.get(module_name) or _declared_rule(module_name)
    return func(value)


def _declared_rule(module_name):
    try:
        return channel_type(module_name).normalise_address
    except UnknownChannel:
        return Channel.normalise_address
    except Exception as err:
        # A broken extra module (system check notify_admin.E011): a form
        # error that says so, not a server error.
        raise ValidationError(
            _("The channel module %(module)r failed to load: %(error)s"),
            code="channel_error",
            params={"module": module_name, "error": f"{type(err).__name__}: {err}"},
        ) from err


def json_nesting_depth(text, stop_above=None):
    """How deeply arrays and objects nest in JSON ``text``, without parsing it.

    Brackets inside strings do not count. With ``stop_above``, counting stops
    as soon as the depth passes it (the result is then ``stop_above + 1``).
    """
    depth = deepest = 0
    for bracket in _JSON_BRACKETS_RE.findall(_JSON_STRING_RE.sub('""', text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                return deepest
        else:
            depth -= 1
    return deepest


def validate_json_depth(text, limit=MAX_JSON_DEPTH):
    """Raise ValidationError when JSON ``text`` nests deeper than ``limit``."""
    if isinstance(text, str) and json_nesting_depth(text, stop_above=limit) > limit:
        raise ValidationError(
            _("This JSON nests more than %(limit)d levels deep."),
            code="json_too_deep",
            params={"limit": limit},
        )


def validate_template_name(name, context=None):
    """Check that the email channel can render template ``name``.

    The channel renders ``extra["template_name"]`` with ``extra`` as its
    context, so that is what is tried here: an unknown template, a path that
    climbs out of the template folders, or a template that fails to render
    is a ValidationError, not an error at send or preview time.
    """
    from django.template import TemplateDoesNotExist
    from django.template.loader import render_to_string

    if not isinstance(name, str) or not name.strip():
        raise ValidationError(
            _("template_name must be the name of a template, as text."),
            code="invalid_template_name",
        )
    parts = name.replace("\\", "/").split("/")
    if name.startswith("/") or ".." in parts or "\x00" in name or ":" in parts[0]:
        raise ValidationError(
            _("%(name)r is not a template name (no absolute paths or “..”)."),
            code="invalid_template_name",
            params={"name": name},
        )
    try:
        render_to_string(name, context or {})
    except TemplateDoesNotExist as err:
        raise ValidationError(
            _("There is no template named %(name)r."),
            code="unknown_template",
            params={"name": name},
        ) from err
    except Exception as err:  # noqa: BLE001
        # Whatever the template raises would stop its emails the same way.
        raise ValidationError(
            _("The template %(name)r cannot be rendered: %(error)s"),
            code="template_error",
            params={"name": name, "error": f"{type(err).__name__}: {err}"},
        ) from err


def validate_extra_template(extra, module_name=None):
    """``extra["template_name"]``, when given for an email target (or for any
    target, ``module_name=None``), must be a template the channel renders."""
    if not isinstance(extra, dict) or "template_name" not in extra:
        return
    if module_name not in (None, "email"):
        return
    validate_template_name(extra["template_name"], extra)
