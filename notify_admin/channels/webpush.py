"""Web Push (the browsers' push services) through ``pywebpush``.

The address is the browser's push subscription (``subscription.toJSON()``:
``{"endpoint": "https://...", "keys": {"p256dh": "...", "auth": "..."}}``),
stored as compact JSON. Each message is a JSON payload (``title``, ``body``,
the ``extra`` keys below), encrypted for the subscription's keys (RFC 8291,
aes128gcm) and posted to its endpoint with a VAPID signature (RFC 8292) made
with the private key from settings. One requests session per run,
``concurrency`` posts at once (default 8). The SDK is imported when a run
opens the channel.

Settings, ``NOTIFICATION_SYSTEM_TARGETS["webpush"]``: ``vapid_private_key``
(required: the key ``vapid --gen`` writes, as PEM or base64url) and
``vapid_subject`` (required: ``mailto:`` address or ``https:`` URL the push
services may contact), ``ttl`` (seconds a push service keeps an undelivered
message, default 86400), ``timeout`` (default 10), ``concurrency`` (default
8); ``allow_loopback_http`` (tests only: accept ``http://127.0.0.1``
endpoints).

``extra`` keys: in the payload ``data``, ``icon``, ``badge``, ``image``,
``tag``, ``url``, ``actions``; as headers ``ttl``, ``urgency`` (very-low,
low, normal, high) and ``topic``.

Answers: 201 sent (the provider id is the push service's ``Location``);
404 / 410 the subscription is gone (dead address); 413 too big (permanent);
429 and 5xx try later; 401 / 403 the VAPID key or subject was refused
(credentials). Web Push has no delivery receipts.
"""

import base64
import binascii
import contextlib
import functools
import ipaddress
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

from .. import conf
from ..creators import creator_for
from ..validators import validate_json_depth
from .base import Channel, Outcome, describe_error
from .sizes import MessageSize, json_bytes
from .verdicts import VerdictTable

MODULE_NAME = "webpush"
PROVIDER = "webpush"
DEFAULT_TIMEOUT = 10
DEFAULT_CONCURRENCY = 8
DEFAULT_TTL = 24 * 3600
#: A push service takes 4096 bytes of encrypted record: 3993 of payload
#: (RFC 8291, section 4).
PAYLOAD_LIMIT = 3993
MAX_ADDRESS_LENGTH = 1000
PAYLOAD_OPTIONS = ("data", "icon", "badge", "image", "tag", "url", "actions")
URGENCIES = ("very-low", "low", "normal", "high")
TOPIC_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
SUBJECT_RE = re.compile(r"^(mailto:[^@\s]+@[^@\s]+|https://[^\s/]+\S*)$")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
SECRETS = ("vapid_private_key", "ttl")
SETTING_RULES = {
    "vapid_subject": "must be a mailto: address or an https: URL.",
    "vapid_private_key": "must be a VAPID private key: PEM, or the base64url "
    "text `vapid --gen` writes.",
    "ttl": "must be a whole number of seconds, 0 or more.",
}

VERDICTS = VerdictTable(
    dead_address={
        "http_404": "the subscription does not exist",
        "http_410": "the subscription expired or was unsubscribed",
    },
    permanent={"http_413": "the payload is too large"},
    transient={"http_429": "too many requests"},
    credentials={
        "http_401": "the VAPID signature was refused",
        "http_403": "the VAPID key does not match the subscription",
    },
)


def b64url_bytes(value):
    """The bytes of base64url text (padded or not); ValueError if it is not."""
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]+={0,2}", value):
        raise ValueError("not base64url")
    text = value.rstrip("=")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as err:
        raise ValueError("not base64url") from err


def loopback_allowed():
    return bool(conf.provider_settings(PROVIDER).get("allow_loopback_http"))


def check_endpoint(endpoint):
    """The push service URL, or ValidationError: https, a host name (no
    address or credentials in it); plain http to 127.0.0.1 only where the
    ``allow_loopback_http`` setting allows it (tests)."""
    message = _("The subscription's endpoint must be the push service's https URL.")
    if not isinstance(endpoint, str) or len(endpoint) > MAX_ADDRESS_LENGTH:
        raise ValidationError(message, code="invalid_subscription")
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError as err:
        raise ValidationError(message, code="invalid_subscription") from err
    if not host or "@" in parts.netloc or re.search(r"\s", endpoint):
        raise ValidationError(message, code="invalid_subscription")
    loopback = host in LOOPBACK_HOSTS and loopback_allowed()
    if loopback and parts.scheme in ("http", "https"):
        return endpoint
    if parts.scheme != "https" or host == "localhost" or _is_address(host):
        raise ValidationError(message, code="invalid_subscription")
    return endpoint


def _is_address(host):
    try:
        return bool(ipaddress.ip_address(host))
    except ValueError:
        return False


def check_keys(keys):
    """``(p256dh, auth)`` as unpadded base64url, or ValidationError."""
    if not isinstance(keys, dict):
        raise ValidationError(
            _("The subscription needs its keys: p256dh and auth."),
            code="invalid_subscription",
        )
    found = []
    for name, size in (("p256dh", 65), ("auth", 16)):
        try:
            raw = b64url_bytes(keys.get(name))
        except ValueError:
            raw = b""
        if len(raw) != size or (name == "p256dh" and raw[0] != 4):
            raise ValidationError(
                _("The subscription's %(key)s key is not %(size)d bytes of base64url."),
                code="invalid_subscription",
                params={"key": name, "size": size},
            )
        found.append(keys[name].rstrip("="))
    return tuple(found)


def parse_subscription(value):
    """The subscription as a dict, from the stored (or typed) JSON."""
    text = (value or "").strip()
    problem = ValidationError(
        _(
            "A Web Push address is the browser's subscription as JSON: "
            '{"endpoint": "https://...", "keys": {"p256dh": "...", "auth": "..."}}.'
        ),
        code="invalid_subscription",
    )
    if not text.startswith("{") or len(text) > MAX_ADDRESS_LENGTH:
        raise problem
    validate_json_depth(text, limit=4)
    try:
        data = json.loads(text)
    except ValueError as err:
        raise problem from err
    if not isinstance(data, dict):
        raise problem
    return data


@dataclass(frozen=True)
class PushRequest:
    subscription: dict
    data: bytes
    ttl: int
    headers: dict


class WebPushChannel(Channel):
    module_name = MODULE_NAME
    target_name = "Web Push"
    template_part = "push"
    provider_key = PROVIDER
    required_settings = ("vapid_private_key", "vapid_subject")
    number_settings = ("timeout", "concurrency")
    verdicts = VERDICTS
    default_concurrency = DEFAULT_CONCURRENCY

    @classmethod
    def normalise_address(cls, value):
        data = parse_subscription(value)
        endpoint = check_endpoint(data.get("endpoint"))
        p256dh, auth = check_keys(data.get("keys"))
        subscription = {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
        return json.dumps(subscription, separators=(",", ":"))

    @classmethod
    def setting_problems(cls, values):
        subject, key, ttl = (values.get(k) for k in ("vapid_subject", *SECRETS))
        problems = {
            "vapid_subject": subject and not SUBJECT_RE.match(str(subject)),
            "vapid_private_key": key and not _looks_like_key(str(key)),
            "ttl": ttl is not None and not _is_seconds(ttl),
        }
        return [(name, SETTING_RULES[name]) for name, bad in problems.items() if bad]

    def measure(self, title, body, extra):
        size = json_bytes(payload(title, body, extra))
        summary = _("Web Push payload: %(size)d of %(limit)d bytes.") % {
            "size": size,
            "limit": PAYLOAD_LIMIT,
        }
        error = ""
        if size > PAYLOAD_LIMIT:
            error = _(
                "The Web Push payload would be %(size)d bytes; push services "
                "take at most %(limit)d. Shorten the title, body or extra."
            ) % {"size": size, "limit": PAYLOAD_LIMIT}
        return MessageSize(summary, error=error, code="push_too_big")

    def preview(self, notification):
        address = notification.user_target.target_user_id
        with contextlib.suppress(ValidationError):
            address = parse_subscription(address).get("endpoint", "")
        return {
            "to": address,
            "title": notification.title,
            "body": notification.body,
            "payload": json.dumps(
                payload(notification.title, notification.body, notification.extra),
                ensure_ascii=False,
            ),
        }

    # -- the run's session ----------------------------------------------------

    def connect(self):
        """A requests session and the VAPID key, for the whole run."""
        import requests
        from py_vapid import Vapid
        from requests.adapters import HTTPAdapter

        subject = str(self.required("vapid_subject"))
        problems = self.setting_problems(self.settings)
        if problems:
            key, message = problems[0]
            raise ImproperlyConfigured(
                f"{conf.target_setting_name(PROVIDER, key)} {message}"
            )
        try:
            vapid = _load_key(Vapid, str(self.required("vapid_private_key")))
        except Exception as err:
            raise ImproperlyConfigured(
                f"{conf.target_setting_name(PROVIDER, 'vapid_private_key')} is "
                f"not a VAPID private key ({describe_error(err)})."
            ) from err
        http = requests.Session()
        adapter = HTTPAdapter(pool_maxsize=self.concurrency)
        http.mount("https://", adapter)
        http.mount("http://", adapter)
        return Session(http, vapid, subject)

    def disconnect(self, session):
        session.http.close()

    # -- the provider steps ---------------------------------------------------

    def build(self, notification):
        # Checked again: a record saved before a setting changed, or by an
        # UPDATE that skipped the model, must not reach an odd URL.
        address = self.normalise_address(notification.user_target.target_user_id)
        extra = notification.extra if isinstance(notification.extra, dict) else {}
        data = json.dumps(
            payload(notification.title, notification.body, extra),
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        if len(data) > PAYLOAD_LIMIT:
            return Outcome.permanent(
                "payload_too_large",
                f"The payload is {len(data)} bytes; push services take at most "
                f"{PAYLOAD_LIMIT}.",
            )
        return PushRequest(
            json.loads(address), data, self.ttl(extra), push_headers(extra)
        )

    def ttl(self, extra):
        value = extra.get("ttl", self.setting("ttl", DEFAULT_TTL))
        if not _is_seconds(value):
            raise ValueError(f"ttl must be a whole number of seconds, not {value!r}.")
        return value

    def transmit(self, messages):
        from pywebpush import webpush

        (message,) = messages
        response = webpush(
            subscription_info=message.subscription,
            data=message.data,
            vapid_private_key=self.session.vapid,
            # A new dict each time: pywebpush writes the audience into it.
            vapid_claims={"sub": self.session.subject},
            ttl=message.ttl,
            headers=dict(message.headers),
            timeout=float(self.setting("timeout", DEFAULT_TIMEOUT)),
            requests_session=self.session.http,
        )
        return [response]

    def classify(self, response):
        location = response.headers.get("Location", "")
        return Outcome.sent(location[:200], {"status": response.status_code})

    def classify_error(self, err):
        from pywebpush import WebPushException

        if isinstance(err, WebPushException) and err.response is not None:
            status = getattr(err.response, "status_code", None)
            code = f"http_{status}"
            text = VERDICTS.describe(code) or getattr(err.response, "reason", "")
            message = f"Web Push {status}: {text}".strip()
            body = str(getattr(err.response, "text", "") or "")[:500]
            response = {"status": status, "body": body}
            kind = VERDICTS.kind(code, VERDICTS.http_kind(status))
            return Outcome.of_kind(kind, code, message, response)
        return super().classify_error(err)


@dataclass
class Session:
    http: object
    vapid: object
    subject: str


def payload(title, body, extra):
    extra = extra if isinstance(extra, dict) else {}
    found = {"title": title, "body": body}
    found.update({key: extra[key] for key in PAYLOAD_OPTIONS if key in extra})
    return found


def push_headers(extra):
    headers = {}
    urgency = extra.get("urgency")
    if urgency is not None:
        if urgency not in URGENCIES:
            raise ValueError(f"urgency must be one of {', '.join(URGENCIES)}.")
        headers["Urgency"] = urgency
    topic = extra.get("topic")
    if topic is not None:
        if not isinstance(topic, str) or not TOPIC_RE.match(topic):
            raise ValueError("topic must be at most 32 base64url characters.")
        headers["Topic"] = topic
    return headers


def _is_seconds(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _looks_like_key(text):
    text = text.strip()
    if text.startswith("-----BEGIN"):
        return "PRIVATE KEY-----" in text
    try:
        return len(b64url_bytes(text)) >= 32
    except ValueError:
        return False


@functools.lru_cache(maxsize=8)
def _load_key(vapid_class, text):
    text = text.strip()
    if text.startswith("-----BEGIN"):
        return vapid_class.from_pem(text.encode())
    return vapid_class.from_string(text)


channel = WebPushChannel()

# The original package's creator for this channel, with the seed's signature.
create_notification = creator_for(MODULE_NAME)
