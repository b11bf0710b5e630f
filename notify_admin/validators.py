"""Address validation per channel.

``TargetUserRecord.target_user_id`` holds an address whose shape depends on the
target's channel. The models cannot import the channels (they import the
models), so each channel's address rule is registered here by module name;
the built-in ones are below, and an extra channel may register its own.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

EXPO_TOKEN_RE = re.compile(r"^Expo(?:nent)?PushToken\[[A-Za-z0-9_\-:.]+\]$")


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


_NORMALISERS = {
    "email": normalise_email_address,
    "twilio": normalise_phone_number,
    "expo": normalise_expo_push_token,
}


def register_address_normaliser(module_name, func):
    """Let a channel validate (and normalise) its addresses.

    ``func(value) -> str`` returns the normalised address or raises
    ``ValidationError``.
    """
    _NORMALISERS[module_name] = func


def normalise_address(module_name, value):
    """Normalise ``value`` for the channel ``module_name``.

    Channels without a registered rule only need a non-blank value.
    """
    func = _NORMALISERS.get(module_name)
    if func is None:
        value = (value or "").strip()
        if not value:
            raise ValidationError(_("This field cannot be blank."), code="blank")
        return value
    return func(value)
