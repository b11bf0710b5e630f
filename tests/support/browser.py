"""The headless Chromium the browser tests drive (Debian's package, through
Playwright's sync API), and what they do in it.

``BROWSER_MARKS`` is the ``pytestmark`` of every test module in tests/browser/:
slow, skipped with the reason when Playwright or Chromium is missing, and a
transactional database (the live server runs in another thread). The
``browser``, ``page`` and ``screenshots`` fixtures are in
tests/browser/conftest.py.
"""

import os
import runpy

import pytest
from django.core.management import call_command
from django.db import connections

from tests.support.paths import REPO

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover (the dev extra installs it)
    expect = sync_playwright = None

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# UPDATE_SCREENSHOTS=1 refreshes the README's pictures; otherwise they go to a
# temporary folder, so a test run leaves the checkout unchanged.
README_SCREENSHOTS = REPO / "docs" / "screenshots"

BROWSER_MARKS = [
    pytest.mark.slow,
    pytest.mark.skipif(
        sync_playwright is None,
        reason="the playwright package is missing: pip install -e '.[dev]'",
    ),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"{CHROMIUM} is missing: apt-get install chromium",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def carry_serialized_contents():
    """Playwright's sync API runs an event loop in this thread, and from then on
    Django's ``connections`` (an asgiref Local) hand out new connection objects.
    They lack the copy of the migrated data that ``serialized_rollback`` restores
    after each live-server test's flush (the pre-loaded targets, content types):
    give it to them, so these tests leave the database as other tests expect."""
    contents = {
        conn.alias: conn._test_serialized_contents
        for conn in connections.all()
        if hasattr(conn, "_test_serialized_contents")
    }

    def apply():
        for alias, value in contents.items():
            connections[alias]._test_serialized_contents = value

    return apply


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(f"Welcome, {username}")


def load_demo_data():
    """The demo data as ``make demo`` loads it: moved to the present, so the
    dashboard's 14-day chart shows it whatever day the suite runs."""
    call_command("loaddata", str(REPO / "fixtures" / "demo.json"), verbosity=0)
    runpy.run_path(str(REPO / "fixtures" / "refresh_demo_dates.py"))
