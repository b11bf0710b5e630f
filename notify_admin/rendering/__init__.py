"""Message templates' placeholders, checks and rendering (no database access).

The public API (the admin, the creation calls and send jobs use only this):

``render(version, personalisation=None, part="email", *, user=None, label=None,
modules=None)``
    One part (``"email"``, ``"sms"``, ``"push"``) of a template version for
    one recipient, as a :class:`Rendered` (``title``, ``body``, ``extra``;
    ``sms_size`` for an SMS; ``sizes``: ``{channel module: MessageSize}``).
    The message is measured by the channels that send the part (those whose
    ``Channel.template_part`` it is; ``modules`` names some instead, ``()``
    none). Raises :class:`~notify_admin.exceptions.TemplateChannelMissing`
    when the version leaves the part out, and
    :class:`~notify_admin.exceptions.TemplateRenderError` (``.problems``,
    ``.missing``) for a missing value ("Missing personalisation: code"), a
    value of the wrong type, an SMS of more than one segment without "allow
    long SMS" (GSM-7 or UCS-2, counted after substitution), a push payload
    over a channel's limit (Expo's 4,096 bytes, Web Push's 3,993).

``render_all(version, personalisation=None, *, user=None, label=None)``
    Every part the version has: ``({part: Rendered}, {part: [Problem]})``;
    never raises for the content (the preview uses it).

``placeholders(version, parts=None, *, built_in=True)``
    The placeholder names a version uses, first spelling of each, in order;
    ``built_in=False`` leaves out those filled from the user (``username``,
    ``first_name``, ``last_name``, ``email``).

``check_content(version)``
    Every :class:`Problem` (``field``, ``message``, ``code``) of a version's
    content before it is saved or imported; ``errors_by_field(problems)``
    groups them as a form wants them.

``Renderer(version, label="")``
    The version parsed once, for rendering many recipients
    (``renderer.render(part, personalisation, user=user, modules=None)``).

``part_for_module(module_name)`` (in :mod:`.measure`)
    The part a channel sends (its ``template_part``), or None.

A *version* is anything with the content attributes (or a mapping of them):
``email_subject``, ``email_text``, ``email_html``, ``sms_text``,
``allow_long_sms``, ``push_title``, ``push_body``, ``push_data``; a saved
:class:`~notify_admin.models.NotificationTemplateVersion` is one.

The grammar is GOV.UK Notify's (:mod:`.grammar`): ``((name))`` is replaced by
the value; ``((name??text))`` shows ``text`` when the value is yes/true
(``yes``, ``y``, ``true``, ``t``, ``1``, ``include``, ``show`` or ``True``);
a placeholder's body is anything but round brackets, so nothing nests;
names compare without case, spaces, underscores or hyphens. Nothing else in
the text is syntax: ``{{ }}`` and ``{% %}`` are plain text, and no template
language ever runs. Values are HTML-escaped in the email's HTML part (and
nowhere else: the other parts are plain text). Unknown personalisation keys
are ignored.
"""

from .checks import check_content, errors_by_field
from .content import (
    EMAIL,
    PARTS,
    PUSH,
    SMS,
    Problem,
    content_of,
    parts_of,
)
from .measure import part_for_module
from .render import Rendered, Renderer
from .values import BUILT_IN_KEYS, BUILT_IN_NAMES

__all__ = [
    "BUILT_IN_NAMES",
    "EMAIL",
    "PARTS",
    "PUSH",
    "SMS",
    "Problem",
    "Rendered",
    "Renderer",
    "check_content",
    "content_of",
    "errors_by_field",
    "part_for_module",
    "parts_of",
    "placeholders",
    "render",
    "render_all",
]


def _label(version, label):
    if label is not None:
        return label
    template = getattr(version, "template", None)
    return getattr(template, "name", "") or ""


def render(
    version, personalisation=None, part=EMAIL, *, user=None, label=None, modules=None
):
    """One part of ``version`` for one recipient (see the module docstring)."""
    return Renderer(version, label=_label(version, label)).render(
        part, personalisation, user=user, modules=modules
    )


def render_all(version, personalisation=None, *, user=None, label=None):
    """``({part: Rendered}, {part: [Problem]})`` for every part of ``version``."""
    from ..exceptions import TemplateRenderError

    renderer = Renderer(version, label=_label(version, label))
    rendered, problems = {}, {}
    for part in renderer.parts:
        try:
            rendered[part] = renderer.render(part, personalisation, user=user)
        except TemplateRenderError as err:
            problems[part] = err.problems
    return rendered, problems


def placeholders(version, parts=None, *, built_in=True):
    """The placeholder names ``version`` uses (see the module docstring)."""
    names = Renderer(version).placeholders(parts)
    if built_in:
        return names
    from .grammar import make_key

    return [name for name in names if make_key(name) not in BUILT_IN_KEYS]
