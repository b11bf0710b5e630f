"""Which language version of a template a recipient gets.

The language asked for is, in order: the ``language`` given to the creation
call; what the hook ``NOTIFICATION_SYSTEM_USER_LANGUAGE`` says for the user;
the site's ``LANGUAGE_CODE``. The hook is one of

- ``"user.<attribute>"``, read from the user (dotted: ``"user.profile.language"``);
- a dotted path to a callable, or the callable itself: ``f(user) -> code or None``.

A language code with no version of its own falls back to its generic language
(``fr-ca`` → ``fr``), then to ``LANGUAGE_CODE`` and its generic language.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django.utils.translation import get_supported_language_variant, to_language

from .. import conf

SETTING = "USER_LANGUAGE"
_ATTRIBUTE_PREFIX = "user."


def normalise(code):
    """``"fr_CA"`` → ``"fr-ca"``; None or blank → None."""
    if not code or not isinstance(code, str):
        return None
    return to_language(code.strip()).lower() or None


def default_language():
    return normalise(settings.LANGUAGE_CODE) or "en"


def version_language():
    """The language new template content is written in: ``LANGUAGE_CODE``,
    or the variant of it that ``LANGUAGES`` lists (``en-us`` → ``en``)."""
    code = default_language()
    try:
        return normalise(get_supported_language_variant(code)) or code
    except LookupError:
        return code


def language_hook():
    """The configured hook as a callable ``user -> code or None``, or None."""
    hook = conf.get_setting(SETTING, None)
    if hook in (None, ""):
        return None
    if callable(hook):
        return hook
    if not isinstance(hook, str):
        raise ImproperlyConfigured(
            f"{conf.PREFIX}{SETTING} must be 'user.<attribute>', a dotted path "
            "to a callable, or a callable."
        )
    if hook.startswith(_ATTRIBUTE_PREFIX):
        path = hook[len(_ATTRIBUTE_PREFIX) :].split(".")
        return lambda user: _read_attribute(user, path)
    try:
        found = import_string(hook)
    except ImportError as err:
        raise ImproperlyConfigured(
            f"{conf.PREFIX}{SETTING} = {hook!r} cannot be imported: {err}"
        ) from err
    if not callable(found):
        raise ImproperlyConfigured(
            f"{conf.PREFIX}{SETTING} = {hook!r} is not callable."
        )
    return found


def _read_attribute(user, path):
    value = user
    for name in path:
        value = getattr(value, name, None)
        if value is None:
            return None
    return value


def requested_language(user, language=None, hook=None):
    """The language asked for: ``language``, else the hook's, else None."""
    if language:
        return normalise(language)
    if user is not None and hook is not None:
        return normalise(hook(user))
    return None


def fallback_chain(language):
    """The codes tried for ``language``, most specific first, no repeats."""
    chain = []
    default = default_language()
    for code in (normalise(language), default):
        if not code:
            continue
        for candidate in (code, code.split("-")[0]):
            if candidate not in chain:
                chain.append(candidate)
    return chain


def choose(available, language):
    """The code of ``available`` (a set of codes) to use for ``language``,
    or None when the template has none of the fallbacks."""
    for code in fallback_chain(language):
        if code in available:
            return code
    return None
