"""The browser tests' fixtures: one Chromium per module, a fresh page (its own
browser context) per test, and the folder screenshots go to."""

import os

import pytest

from tests.support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    README_SCREENSHOTS,
    carry_serialized_contents,
    sync_playwright,
)
from tests.support.browser_pages import watch_csp


@pytest.fixture(scope="module")
def browser(django_db_setup):
    # The ORM calls the tests make next to Playwright's event loop are ordinary
    # synchronous calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    apply_serialized_contents = carry_serialized_contents()
    with sync_playwright() as playwright:
        apply_serialized_contents()
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    """A page at 1,440 px wide; the test fails if any page it opened broke the
    console's Content-Security-Policy (tests/settings.py turns it on)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.csp_violations = watch_csp(context, page)
    yield page
    context.close()
    assert page.csp_violations == [], "Content-Security-Policy violations"


@pytest.fixture
def screenshots(tmp_path):
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return README_SCREENSHOTS
    return tmp_path
