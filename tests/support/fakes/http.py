"""A small threaded HTTP server with failure knobs, shared by the HTTP fakes."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A class attribute: listen() runs in the constructor, so setting it on the
    # instance afterwards left the backlog at 5, too small for a client pool
    # opening 16 connections at once (some were reset).
    request_queue_size = 128


class FakeHTTPServer:
    """Base of the Twilio- and Expo-shaped servers.

    Knobs (plain attributes, change them at any time):
    - ``latency``: seconds to wait before answering each request.
    - ``fail_status``: answer every request with this HTTP status (500, 429...).
    - ``retry_after``: ``Retry-After`` header value sent with ``fail_status``.
    - ``hang``: seconds to wait before answering (longer than the client's
      timeout makes the client time out).
    - ``garbage``: answer 200 with a body that is not JSON.
    - ``fail_next``: the number of requests still to fail with ``fail_status``
      (``None``: all of them).
    - ``hold``: a ``threading.Event``; each request waits until it is set
      (``held`` is set as soon as a request is waiting), so a test can act
      while the client is in the middle of a call.

    ``connections`` counts the TCP connections clients opened.
    """

    def __init__(self, latency=0.0):
        self.latency = latency
        self.fail_status = None
        self.retry_after = None
        self.fail_next = None
        self.hang = 0.0
        self.garbage = False
        self.hold = None
        self.held = threading.Event()
        self.messages = []
        self.requests = 0
        #: When each request arrived (time.time()), for rate measurements.
        self.arrivals = []
        self.connections = 0
        self.lock = threading.Lock()
        self._server = None
        self._thread = None
        self.port = None

    # -- lifecycle --------------------------------------------------------

    def start(self):
        handler = self._handler_class()
        self._server = _Server(("127.0.0.1", self.port or 0), handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        """Stop serving: the port then refuses connections."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def reset(self):
        with self.lock:
            self.messages.clear()
            self.requests = 0
            self.arrivals = []
            self.connections = 0
        self.fail_status = None
        self.retry_after = None
        self.fail_next = None
        self.hang = 0.0
        self.garbage = False
        self.hold = None
        self.held.clear()

    def received(self, key):
        """How many times each value of ``key`` was received: {value: count}."""
        counts = {}
        with self.lock:
            for message in self.messages:
                counts[message[key]] = counts.get(message[key], 0) + 1
        return counts

    # -- request handling (subclasses implement ``handle``) ----------------

    def handle(self, path, body, headers):
        """Return ``(status, payload)``; ``payload`` is JSON-encoded."""
        raise NotImplementedError

    def _failure(self):
        with self.lock:
            self.requests += 1
            if self.fail_status is None:
                return None
            if self.fail_next is not None:
                if self.fail_next <= 0:
                    return None
                self.fail_next -= 1
            return self.fail_status

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without this, Nagle and
            # delayed ACKs add ~40 ms to every keep-alive request.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with fake.lock:
                    fake.connections += 1

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with fake.lock:
                    fake.arrivals.append(time.time())
                if fake.hold is not None:
                    fake.held.set()
                    fake.hold.wait(60)
                delay = fake.latency + fake.hang
                if delay:
                    time.sleep(delay)
                failure = fake._failure()
                if failure is not None:
                    payload = {"code": failure, "message": "Injected failure"}
                    return self._answer(failure, payload, retry_after=fake.retry_after)
                if fake.garbage:
                    return self._raw(200, b"<html>surprise</html>", "text/html")
                status, payload = fake.handle(self.path, body, self.headers)
                return self._answer(status, payload)

            def _answer(self, status, payload, retry_after=None):
                data = json.dumps(payload).encode()
                extra = {"Retry-After": str(retry_after)} if retry_after else {}
                self._raw(status, data, "application/json", extra)

            def _raw(self, status, data, content_type, extra=None):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (extra or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (TimeoutError, BrokenPipeError, ConnectionResetError):
                    # The client gave up (timed out) first.
                    pass

        return Handler
