"""Twilio requests through the SDK's asyncio client, one session for a run.

One event loop, one aiohttp session (at most ``concurrency`` kept-alive
connections) and one ``Client`` serve a whole run; each batch's messages go
out ``concurrency`` at a time from that loop. Per message this costs about a
third of the CPU of the SDK's threaded client (requests on a thread pool,
which also re-reads the environment's proxy settings on every request): see
docs/performance.md, "Twilio: CPU per SMS".

The SDK's ``AsyncTwilioHttpClient`` hands aiohttp neither its ``timeout`` nor
a proxy, so both are applied here: a time limit on each request, and the
environment's proxy for the Twilio host, read once per run.
"""

import asyncio
import urllib.request
from urllib.parse import urlsplit

from aiohttp import ClientConnectionError, ClientSession, TCPConnector
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"


class TwilioConnectionError(ConnectionError):
    """The Twilio API could not be reached (refused, reset, DNS)."""


class TwilioTimeout(TimeoutError):
    """No answer from the Twilio API within the channel's ``timeout``."""


def environment_proxy(url):
    """The proxy the environment sets for ``url`` (``HTTPS_PROXY``, ``NO_PROXY``
    ...), as requests would choose it; None for none."""
    parts = urlsplit(url)
    if urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(parts.scheme) or proxies.get("all")


class AsyncSender:
    """Sends message dicts (``messages.create`` keywords) for one run.

    ``open()`` and ``close()`` may be called from any thread, and
    ``send_all`` from any one thread at a time.
    """

    def __init__(
        self,
        account_sid,
        auth_token,
        *,
        base_url,
        timeout,
        concurrency,
        before=None,
        after=None,
    ):
        self.credentials = (account_sid, auth_token)
        self.base_url = base_url
        self.timeout = timeout
        self.concurrency = concurrency
        # The channel's gate, per request: ``before(1)`` -> seconds to wait,
        # or the answer to give without sending; ``after(answer)`` -> the
        # answer as the channel classified it.
        self.before = before or (lambda n: 0.0)
        self.after = after or (lambda answer: answer)
        #: Whether ``before`` may wait on the network (a shared rate limit's
        #: booking): then asked from a thread, so the loop keeps sending.
        self.before_blocks = False
        self.loop = None
        self.http_client = None
        self.messages = None

    def open(self):
        self.loop = asyncio.new_event_loop()
        try:
            self.loop.run_until_complete(self._open())
        except BaseException:
            self.loop.close()
            raise

    async def _open(self):
        options = {"connector": TCPConnector(limit=self.concurrency)}
        proxy = environment_proxy(self.base_url or TWILIO_API)
        if proxy:
            options["proxy"] = proxy
        self.http_client = AsyncTwilioHttpClient(pool_connections=False)
        self.http_client.session = ClientSession(**options)
        client = Client(*self.credentials, http_client=self.http_client)
        if self.base_url:
            client.api.base_url = self.base_url
        # One MessageList for the run: the SDK builds nothing more per message
        # than the request itself.
        self.messages = client.messages
        self.gate = asyncio.Semaphore(self.concurrency)

    def close(self):
        if self.loop is None:
            return
        try:
            self.loop.run_until_complete(self.http_client.close())
        finally:
            self.loop.close()
            self.loop = None

    def send_all(self, messages):
        """Each message's answer (a MessageInstance) or the exception its
        request raised, in the order given."""
        return self.loop.run_until_complete(self._send_all(messages))

    async def _send_all(self, messages):
        return await asyncio.gather(
            *(self._send(message) for message in messages), return_exceptions=True
        )

    async def _send(self, message):
        async with self.gate:
            if self.before_blocks:
                delay = await asyncio.to_thread(self.before, 1)
            else:
                delay = self.before(1)
            if not isinstance(delay, int | float):
                return delay  # not to be sent (the circuit breaker is open)
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                answer = await self._request(message)
            except Exception as err:
                answer = err
            # Told as it arrives: the breaker stops the rest of the batch.
            return self.after(answer)

    async def _request(self, message):
        try:
            async with asyncio.timeout(self.timeout):
                return await self.request(message)
        except TimeoutError as err:
            raise TwilioTimeout(
                f"No answer from Twilio within {self.timeout:g} s."
            ) from err
        except ClientConnectionError as err:
            raise TwilioConnectionError(str(err) or type(err).__name__) from err

    async def request(self, message):
        """One ``Messages`` POST."""
        return await self.messages.create_async(**message)
