"""The benchmark's sinks: the test suite's fake servers, on 127.0.0.1 only."""

from contextlib import contextmanager

from tests.fakes import FakeExpoServer, FakeSMTPServer, FakeTwilioServer


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
