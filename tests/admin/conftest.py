"""Fixtures of the admin console's tests."""

import pytest

from tests.support.admin_walk import Walk, make_world


@pytest.fixture
def record(make_user, make_record):
    """A new user's email record."""
    return make_record(make_user(), "email")


@pytest.fixture
def walk_world(db):
    """One object of every model the fuzz walk covers (``make_world``)."""
    return make_world()


@pytest.fixture
def walk(admin_client):
    """The fuzz walk, posting as a superuser."""
    with Walk(admin_client) as walk:
        yield walk
