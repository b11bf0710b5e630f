"""Fixtures of the admin console's tests."""

import pytest


@pytest.fixture
def record(make_user, make_record):
    """A new user's email record."""
    return make_record(make_user(), "email")
