"""The console pages this branch changed, in a real headless Chromium: the
dashboard's links, the change page's buttons, the user's page, the
changelist's layout at common widths and the favicon.

``UPDATE_SCREENSHOTS=1`` writes the README's pictures of these pages.
"""

import re

import pytest
from django.urls import reverse

from notify_admin.models import Notification
from tests.support.browser import BROWSER_MARKS, expect, load_demo_data, log_in
from tests.support.browser_pages import shoot

pytestmark = BROWSER_MARKS

DEMO_LOGIN = ("admin", "notify-admin-demo")


def missing_requests(page):
    """Every response the page got with a 4xx/5xx status, as (status, url)."""
    failed = []
    page.on(
        "response",
        lambda r: failed.append((r.status, r.url)) if r.status >= 400 else None,
    )
    return failed


def test_dashboard_links_lead_to_the_rows_they_count(page, live_server, screenshots):
    load_demo_data()
    failed = missing_requests(page)
    log_in(page, live_server, *DEMO_LOGIN)

    expect(page.locator("#na-index-card")).to_be_visible()
    shoot(page, screenshots, "admin-index")
    page.click("#na-open-dashboard")
    expect(page.locator(".na-dashboard")).to_be_visible()
    shoot(page, screenshots, "dashboard")

    # A matrix cell: the count shown is the number of rows the list shows.
    cell = page.locator("#na-status-matrix tbody tr").first.locator("td a").nth(1)
    shown = int(cell.inner_text())
    cell.click()
    expect(page).to_have_url(re.compile(r"status__exact=DELIVERED"))
    expect(page).to_have_url(re.compile(r"user_target__target__id__exact="))
    expect(page.locator("#result_list tbody tr")).to_have_count(min(shown, 100))

    # The "delivered, last 24 h" card: a date-time range on the attempt.
    page.go_back()
    card = page.locator("a.na-card").filter(has=page.locator("#na-delivered-24h"))
    shown = int(page.locator("#na-delivered-24h").inner_text())
    card.click()
    expect(page).to_have_url(re.compile(r"attempted_delivery__range__gte_0="))
    expect(page.locator("#result_list tbody tr")).to_have_count(min(shown, 100))
    assert failed == [], failed  # no missing favicon, no broken link


def test_change_page_buttons(
    page,
    live_server,
    admin_user,
    make_user,
    make_record,
    make_notification,
    screenshots,
):
    failed = make_notification(
        make_record(make_user(username="grace")),
        "DELIVERY_FAILURE",
        title="Your order has shipped",
    )
    log_in(page, live_server, "admin", "password")
    page.goto(
        live_server.url
        + reverse("admin:notify_admin_notification_change", args=[failed.pk])
    )
    expect(page.locator("#na-button-send_now")).to_be_visible()
    expect(page.locator("#na-button-retry")).to_be_visible()
    # What was sent is read-only on an attempted row, and the page says why;
    # no stray export box.
    expect(page.locator('select[name="status"]')).to_have_count(0)
    expect(page.locator('[name="user_target"]')).to_have_count(0)
    expect(page.locator("#na-locked")).to_be_visible()
    expect(page.locator('input[name="_export-item"]')).to_have_count(0)
    shoot(page, screenshots, "notification-change")

    # Retry may send: the button leads to the action's confirmation page.
    page.click("#na-button-retry")
    page.get_by_role("button", name="Yes, retry").click()
    expect(page.locator(".messagelist")).to_be_visible()
    failed.refresh_from_db()
    assert failed.status != Notification.DELIVERY_FAILURE
    assert failed.retry_attempts == 0


def test_user_page_shows_addresses_and_latest_notifications(
    page, live_server, screenshots
):
    load_demo_data()
    log_in(page, live_server, *DEMO_LOGIN)
    record = (
        Notification.objects.select_related("user_target__user")
        .order_by("-scheduled_delivery")
        .first()
        .user_target
    )
    page.goto(
        live_server.url + reverse("admin:auth_user_change", args=[record.user_id])
    )
    expect(page.locator("#notification_target_user_records-group")).to_contain_text(
        record.target_user_id
    )
    panel = page.locator("#na-user-panel")
    expect(panel).to_be_visible()
    panel.locator("tbody tr a").first.click()
    expect(page).to_have_url(re.compile(r"/notify_admin/notification/[^/]+/change/"))
    page.go_back()
    page.locator("#na-user-panel").scroll_into_view_if_needed()
    shoot(page, screenshots, "user-page")
    page.click("#na-user-all")
    expect(page).to_have_url(re.compile(rf"user={record.user_id}"))


@pytest.mark.parametrize("width", [1400, 1440, 1536, 1600])
def test_changelist_columns_fit_at_common_widths(page, live_server, width):
    load_demo_data()
    log_in(page, live_server, *DEMO_LOGIN)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/admin/notify_admin/notification/")
    last = page.locator("#result_list thead th").last
    expect(last).to_be_visible()
    box = last.bounding_box()
    # The last column ends inside the window, not under a horizontal scroll.
    assert box["x"] + box["width"] <= width, (width, box)
    results = page.locator("#changelist .results")
    sizes = results.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] <= sizes[1] + 1, (width, sizes)
    # "(clear search and filters)" goes to the bare changelist, not to "?".
    page.fill("#searchbar", "Welcome")
    page.press("#searchbar", "Enter")
    link = page.locator("a.na-clear-filters")
    assert link.get_attribute("href") == "/admin/notify_admin/notification/"
