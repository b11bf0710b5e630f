"""Fake provider servers on 127.0.0.1, for tests and benchmarks.

Real servers on free ports: the real SDK clients talk to them over the network.
Each records what it received (``.messages``) and has knobs to inject latency,
error statuses, hangs, garbage answers and per-recipient errors. Use them as
context managers or with ``start()`` / ``stop()``; ``stop()`` also makes the
address refuse connections.
"""

from .coop import FakeCoopServer
from .expo import FakeExpoServer
from .postmark import FakePostmarkServer
from .smtp import FakeSMTPServer
from .telegraph import FakeTelegraphServer
from .twilio import FakeTwilioServer
from .webpush import FakeWebPushServer

__all__ = [
    "FakeCoopServer",
    "FakeExpoServer",
    "FakePostmarkServer",
    "FakeSMTPServer",
    "FakeTelegraphServer",
    "FakeTwilioServer",
    "FakeWebPushServer",
]
