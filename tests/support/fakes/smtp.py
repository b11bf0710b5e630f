"""An SMTP server (aiosmtpd) on 127.0.0.1 that records the mail it accepts."""

import asyncio
import socket
import warnings
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class _Controller(Controller):
    def factory(self):
        with warnings.catch_warnings():
            # AUTH without TLS (``login=``): on 127.0.0.1, for the tests only.
            warnings.simplefilter("ignore", UserWarning)
            return super().factory()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, fake):
        self.fake = fake

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.fake.mail_reply:
            # e.g. "530 5.7.0 Authentication required".
            return self.fake.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.fake.refuse.get(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fake.latency:
            await asyncio.sleep(self.fake.latency)
        if set(envelope.rcpt_tos) & self.fake.disconnect_on:
            # Drop the connection instead of answering.
            server.transport.close()
            return "421 4.4.2 Connection dropped"
        if self.fake.data_reply:
            return self.fake.data_reply
        # The client's address and port: one per SMTP connection.
        seen = {
            "from": envelope.mail_from,
            "peer": f"{session.peer[0]}:{session.peer[1]}",
        }
        if self.fake.parse:
            parsed = message_from_bytes(envelope.content, policy=policy.default)
            seen["subject"] = str(parsed["Subject"])
            seen["message_id"] = str(parsed["Message-ID"])
            seen["message"] = parsed
            # The bytes as they came, before any parser unfolded a header.
            seen["raw"] = envelope.content
        for rcpt in envelope.rcpt_tos:
            self.fake.messages.append({"to": rcpt, **seen})
        return "250 Message accepted for delivery"


class FakeSMTPServer:
    """Records each accepted recipient's mail as ``{"to", "from", "subject",
    "message_id", "message", "raw"}``.

    Knobs: ``refuse`` maps a recipient address to the SMTP reply it gets
    (``"550 5.1.1 User unknown"``, ``"450 4.2.1 Mailbox busy"``); ``data_reply``
    answers every message's DATA with that reply (e.g. ``"451 Try later"``);
    ``mail_reply`` answers MAIL FROM with that reply (``"530 5.7.0
    Authentication required"``);
    ``latency`` delays each message; ``disconnect_on`` is a set of recipient
    addresses whose message makes the server drop the connection. ``stop()``
    makes the port refuse connections.

    ``login=(user, password)``: the server offers AUTH (PLAIN, LOGIN, without
    TLS on 127.0.0.1) and requires it: a client that does not log in gets
    "530 5.7.0 Authentication required" at MAIL FROM, a wrong password
    "535 5.7.8 Authentication credentials invalid" (set at ``start()``).

    ``parse=False`` records only the envelope (``"to"``, ``"from"``,
    ``"peer"``): parsing every message costs the server more CPU than some
    clients spend sending it, which a benchmark must not measure.
    """

    def __init__(self, latency=0.0, parse=True, login=None):
        self.latency = latency
        self.login = login
        self.parse = parse
        self.refuse = {}
        self.data_reply = None
        self.mail_reply = None
        self.disconnect_on = set()
        self.messages = []
        self.port = None
        self._controller = None

    def start(self):
        self.port = self.port or free_port()
        auth = {}
        if self.login is not None:
            auth = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self._controller = _Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            ready_timeout=5,
            **auth,
        )
        self._controller.start()
        return self

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == tuple(self.login)
        # handled=False: aiosmtpd answers (235, or its own 535).
        return AuthResult(success=ok, handled=False)

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def reset(self):
        self.messages.clear()
        self.refuse = {}
        self.data_reply = None
        self.mail_reply = None
        self.disconnect_on = set()

    def received(self, key="to"):
        counts = {}
        for message in self.messages:
            counts[message[key]] = counts.get(message[key], 0) + 1
        return counts
