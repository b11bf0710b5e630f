"""The signed links recipients act through, with no login.

``django.core.signing`` with SECRET_KEY and a salt per kind of link, so an
unsubscribe token is no preference-page token and neither is anything else
the site signs:

- one-click unsubscribe: user + category (key) + channel (target id);
- preference page: the user.

Links never expire (a mailbox keeps a message for years, and RFC 8058 asks
that the link keep working); changing SECRET_KEY (or adding the old one to
SECRET_KEY_FALLBACKS to phase it out) is how old links are revoked. A token
that does not verify is refused (400) before any database read.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse

from ..channels.webhooks import public_url
from ..models import NotificationCategory, NotificationTarget

UNSUBSCRIBE_SALT = "notify_admin.consent.unsubscribe"
PREFERENCES_SALT = "notify_admin.consent.preferences"
UNSUBSCRIBE_URL = "notify_admin:unsubscribe"
PREFERENCES_URL = "notify_admin:preferences"
# Longer than any token we sign: a longer one is refused unread.
MAX_TOKEN_LENGTH = 400


class BadToken(Exception):
    """Forged, altered or truncated: nothing may be done with it."""


@dataclass
class Unsubscribe:
    """What an unsubscribe token names (``None`` for what no longer exists;
    ``category`` is None also when the link named no category)."""

    user: object
    category: NotificationCategory | None
    target: NotificationTarget | None
    category_key: str


def _loads(token, salt):
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise BadToken("no token")
    try:
        data = signing.loads(token, salt=salt)
    except signing.BadSignature as err:
        raise BadToken("bad signature") from err
    if not isinstance(data, dict):
        raise BadToken("not ours")
    return data


def _user(value):
    User = get_user_model()
    try:
        pk = User._meta.pk.to_python(value)
    except ValidationError:
        return None
    return User._default_manager.filter(pk=pk).first()


def unsubscribe_token(user_id, category_key, target_id):
    return signing.dumps(
        {"u": str(user_id), "c": category_key or "", "t": str(target_id)},
        salt=UNSUBSCRIBE_SALT,
        compress=True,
    )


def read_unsubscribe(token):
    """An :class:`Unsubscribe`; raises BadToken for anything not signed here."""
    data = _loads(token, UNSUBSCRIBE_SALT)
    key = str(data.get("c") or "")
    category = NotificationCategory.objects.filter(key=key).first() if key else None
    return Unsubscribe(_user(data.get("u")), category, _target(data.get("t")), key)


def _target(value):
    try:
        return NotificationTarget.objects.filter(pk=value).first()
    except ValidationError:
        return None


def preferences_token(user_id):
    return signing.dumps({"u": str(user_id)}, salt=PREFERENCES_SALT, compress=True)


def read_preferences(token):
    """The user a preference-page token names (None if gone); BadToken else."""
    return _user(_loads(token, PREFERENCES_SALT).get("u"))


def _url(name, make_token):
    """``name``'s public URL with the token ``make_token()`` signs, or None;
    nothing is signed when there is no public URL (a send without one pays
    nothing for links it cannot give)."""
    base = public_url()
    if not base:
        return None
    try:
        return base + reverse(name, args=[make_token()])
    except NoReverseMatch:
        return None


def unsubscribe_url(user_id, category_key, target_id):
    """The public one-click unsubscribe URL, or None without
    NOTIFICATION_SYSTEM_PUBLIC_URL (or notify_admin's URLs)."""
    return _url(
        UNSUBSCRIBE_URL, lambda: unsubscribe_token(user_id, category_key, target_id)
    )


def preferences_url(user):
    """The public URL of ``user``'s preference page (for a message's footer),
    or None without NOTIFICATION_SYSTEM_PUBLIC_URL."""
    return _url(PREFERENCES_URL, lambda: preferences_token(getattr(user, "pk", user)))


ONE_CLICK = "List-Unsubscribe=One-Click"


def list_unsubscribe_headers(notification):
    """RFC 8058 headers for an email notification read by the claim (its
    ``consent_category`` set): ``{"List-Unsubscribe": "<url>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}``, or ``{}`` for
    a critical category, or without NOTIFICATION_SYSTEM_PUBLIC_URL. A row
    whose category cannot be told (no default category) gets a link that
    turns every non-critical category off on its channel."""
    category = getattr(notification, "consent_category", None)
    if category is not None and category.critical:
        return {}
    record = notification.user_target
    url = unsubscribe_url(
        record.user_id, category.key if category is not None else "", record.target_id
    )
    if url is None:
        return {}
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK}
