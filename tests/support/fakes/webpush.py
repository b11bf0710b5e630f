"""A Web Push service on 127.0.0.1 (RFC 8030), for pywebpush to post to.

It holds browser subscriptions of its own (``subscribe()``: a P-256 key pair
and an auth secret, as a browser makes them) and checks each push the way a
push service and the browser do, written here with ``cryptography`` alone
(not pywebpush's own libraries):

- the VAPID ``Authorization: vapid t=<JWT>,k=<key>`` header (RFC 8292): the
  key must be the one the test configured, the JWT signed with it (ES256),
  for this service's origin (``aud``), not expired, with a ``sub``; else 403
  (another key) or 401 (a bad or missing signature);
- the ``aes128gcm`` body (RFC 8188 / 8291): decrypted with the
  subscription's private key and auth secret; the payload is recorded.

Answers ``201 Created`` with a ``Location`` (the message id). Knobs: those
of :class:`FakeHTTPServer` (``latency``, ``hang``, ``fail_status``...),
``errors`` (subscription id -> HTTP status), and ``garbage``, which answers
with bytes that are not HTTP at all (a push service's answer has no body to
misread).
"""

import base64
import json
import time
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .http import FakeHTTPServer

RAW_POINT = (serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    text = text.strip().rstrip("=")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def vapid_key_pair():
    """``(private key as base64url, raw public key bytes)``: a VAPID key as
    ``vapid --gen`` makes it, for NOTIFICATION_SYSTEM_TARGETS."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(private), key.public_key().public_bytes(*RAW_POINT)


class Browser:
    """One subscription's secrets (what the browser keeps)."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.public = self.key.public_key().public_bytes(*RAW_POINT)
        self.auth = uuid.uuid4().bytes

    def decrypt(self, body):
        """An aes128gcm message body (one record) -> the plaintext."""
        salt, record_size, id_length = body[:16], body[16:20], body[20]
        sender = body[21 : 21 + id_length]
        ciphertext = body[21 + id_length :]
        if len(ciphertext) > int.from_bytes(record_size, "big"):
            raise ValueError("more than one record")
        shared = self.key.exchange(
            ec.ECDH(),
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender),
        )
        info = b"WebPush: info\x00" + self.public + sender
        ikm = HKDF(hashes.SHA256(), 32, salt=self.auth, info=info).derive(shared)
        cek = HKDF(
            hashes.SHA256(), 16, salt=salt, info=b"Content-Encoding: aes128gcm\x00"
        ).derive(ikm)
        nonce = HKDF(
            hashes.SHA256(), 12, salt=salt, info=b"Content-Encoding: nonce\x00"
        ).derive(ikm)
        padded = AESGCM(cek).decrypt(nonce, ciphertext, None).rstrip(b"\x00")
        if not padded.endswith(b"\x02"):
            raise ValueError("no last-record delimiter")
        return padded[:-1]


class FakeWebPushServer(FakeHTTPServer):
    def __init__(self, vapid_public_key, latency=0.0):
        super().__init__(latency)
        self.vapid_public_key = vapid_public_key
        self.browsers = {}
        self.errors = {}
        self.refused = []

    def reset(self):
        super().reset()
        self.errors = {}
        self.refused = []

    def subscribe(self):
        """A new subscription: ``(id, the browser's subscription JSON)``."""
        browser = Browser()
        sub_id = uuid.uuid4().hex
        self.browsers[sub_id] = browser
        subscription = {
            "endpoint": f"{self.url}/push/{sub_id}",
            "expirationTime": None,
            "keys": {"p256dh": b64url(browser.public), "auth": b64url(browser.auth)},
        }
        return sub_id, json.dumps(subscription)

    # -- checking a push ------------------------------------------------------

    def check_vapid(self, authorization):
        """None when the header is right, else the HTTP status to answer."""
        scheme, _, params = (authorization or "").partition(" ")
        fields = dict(p.split("=", 1) for p in params.split(",") if "=" in p)
        if scheme.lower() != "vapid" or "t" not in fields or "k" not in fields:
            return 401
        if unb64url(fields["k"]) != self.vapid_public_key:
            return 403
        try:
            head, claims, signature = fields["t"].split(".")
            if json.loads(unb64url(head)).get("alg") != "ES256":
                return 401
            raw = unb64url(signature)
            der = encode_dss_signature(
                int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
            )
            key = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), self.vapid_public_key
            )
            key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
            claims = json.loads(unb64url(claims))
        except Exception:  # noqa: BLE001
            return 401
        now = time.time()
        if claims.get("aud") != self.url or not now < claims.get("exp", 0) <= (
            now + 24 * 3600
        ):
            return 401
        if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
            return 401
        return None

    def handle_push(self, path, body, headers):
        """``(status, headers)`` for one push."""
        sub_id = path.split("?")[0].removeprefix("/push/")
        browser = self.browsers.get(sub_id)
        if browser is None:
            return 404, {}
        refused = self.check_vapid(headers.get("Authorization"))
        if refused:
            self.refused.append(refused)
            return refused, {}
        if sub_id in self.errors:
            return self.errors[sub_id], {}
        if headers.get("Content-Encoding") != "aes128gcm" or "TTL" not in headers:
            return 400, {}
        try:
            payload = json.loads(browser.decrypt(body))
        except Exception:  # noqa: BLE001
            return 400, {}
        message_id = uuid.uuid4().hex
        with self.lock:
            self.messages.append(
                {
                    "to": sub_id,
                    "id": message_id,
                    "payload": payload,
                    "ttl": headers.get("TTL"),
                    "urgency": headers.get("Urgency"),
                    "topic": headers.get("Topic"),
                }
            )
        return 201, {"Location": f"{self.url}/message/{message_id}"}

    def _handler_class(self):
        fake = self
        base = super()._handler_class()

        class Handler(base):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if fake.hold is not None:
                    fake.held.set()
                    fake.hold.wait(60)
                delay = fake.latency + fake.hang
                if delay:
                    time.sleep(delay)
                if fake.garbage:
                    self.close_connection = True
                    self.wfile.write(b"this is not an HTTP answer\r\n\r\n")
                    return
                failure = fake._failure()
                if failure is not None:
                    return self._reply(failure, {})
                status, extra = fake.handle_push(self.path, body, self.headers)
                return self._reply(status, extra)

            def _reply(self, status, extra):
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.end_headers()
                except (TimeoutError, BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
