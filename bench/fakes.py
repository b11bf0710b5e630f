"""The benchmark's sinks: the test suite's fake servers, on 127.0.0.1 only."""

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from tests.support.fakes import FakeExpoServer, FakeSMTPServer, FakeTwilioServer

REPO = Path(__file__).resolve().parents[1]
SINK_PROCESS = """
import sys
from tests.support.fakes import FakeSMTPServer
with FakeSMTPServer(parse=False) as server:
    print(server.port, flush=True)
    sys.stdin.read()
    print(len(server.messages), flush=True)
"""

TWILIO_PROCESS = """
import sys
from tests.support.fakes import FakeTwilioServer
with FakeTwilioServer(float(sys.argv[1])) as server:
    print(server.url, flush=True)
    sys.stdin.read()
    print(len(server.messages), flush=True)
"""


class _Sink:
    """What the run needs of a sink: settings for the system, what arrived."""

    def __init__(self, env, server=None):
        self.env = env
        self.server = server

    def received(self):
        """Every recipient address received, once per message; None for locmem."""
        if self.server is None:
            return None
        counts = self.server.received("to")
        return [address for address, n in counts.items() for _ in range(n)]


@contextmanager
def start_fake(channel, transport, latency_ms):
    latency = latency_ms / 1000
    if transport == "locmem":
        yield _Sink({"BENCH_EMAIL": "locmem"})
        return
    if channel == "email":
        server, env = (
            FakeSMTPServer(latency, parse=False),
            lambda s: {
                "BENCH_EMAIL": "smtp",
                "BENCH_SMTP_PORT": str(s.port),
            },
        )
    elif channel == "expo":
        server, env = FakeExpoServer(latency), lambda s: {"BENCH_EXPO_HOST": s.url}
    else:
        server, env = FakeTwilioServer(latency), lambda s: {"BENCH_TWILIO_URL": s.url}
    with server:
        yield _Sink(env(server), server)


@contextmanager
def smtp_sink_process():
    """An envelope-only SMTP sink in a process of its own, so that its CPU is
    not the measured process's. Yields ``{"port": ...}``; once the block is
    left, ``"received"`` holds how many recipients it accepted."""
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK_PROCESS],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    state = {"port": None, "received": None}
    try:
        state["port"] = int(sink.stdout.readline())
        yield state
    finally:
        sink.stdin.close()
        state["received"] = int(sink.stdout.readline() or 0)
        sink.wait(timeout=30)


@contextmanager
def twilio_fake_process(latency_ms):
    """The Twilio-shaped fake in a process of its own, so that its CPU is not
    the measured process's. Yields ``{"url": ...}``; once the block is left,
    ``"received"`` holds how many messages it accepted."""
    fake = subprocess.Popen(
        [sys.executable, "-c", TWILIO_PROCESS, str(latency_ms / 1000)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    state = {"url": None, "received": None}
    try:
        state["url"] = fake.stdout.readline().strip()
        yield state
    finally:
        fake.stdin.close()
        state["received"] = int(fake.stdout.readline() or 0)
        fake.wait(timeout=30)
