"""Fixtures of the tests that start processes and Celery workers."""

import pytest

from tests.support.fakes import FakeTwilioServer


@pytest.fixture(scope="module")
def sms_server():
    """A Twilio-shaped server for a module's child processes and workers (they
    take its URL from NA_TWILIO_URL); 20 ms per message unless a test says."""
    with FakeTwilioServer(latency=0.02) as server:
        yield server
