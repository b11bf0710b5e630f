"""The console in a real headless Chromium (Debian's package, driven by Playwright).

Few and fast: log in, filter notifications by status and a date range, "Send
now" through the confirmation page against the fake SMTP server, compose a
notification for two users. The first test also takes the README's
screenshots; ``UPDATE_SCREENSHOTS=1`` writes them to docs/screenshots/.
"""

import datetime
import re

from django.utils import timezone

from notify_admin.models import Notification
from tests.support.browser import BROWSER_MARKS, expect, load_demo_data, log_in
from tests.support.browser_pages import shoot

pytestmark = BROWSER_MARKS


def test_log_in_filter_by_status_and_date_range(page, live_server, screenshots):
    load_demo_data()
    log_in(page, live_server, "admin", "notify-admin-demo")

    page.goto(f"{live_server.url}/admin/notify_admin/")
    expect(page.locator(".na-dashboard")).to_be_visible()
    expect(page.locator("#na-chart .na-day")).to_have_count(14)
    shoot(page, screenshots, "dashboard")

    page.goto(f"{live_server.url}/admin/notify_admin/notification/")
    expect(page.locator("#result_list")).to_be_visible()
    shoot(page, screenshots, "notifications", full_page=False)

    # Status filter: the sidebar link.
    page.locator("#changelist-filter").get_by_role("link", name="Retry").click()
    expect(page).to_have_url(re.compile(r"status__exact=RETRY"))
    retry_count = Notification.objects.filter(status="RETRY").count()
    expect(page.locator("#result_list tbody tr")).to_have_count(retry_count)

    # Date range on the scheduled delivery, on top of the status filter.
    day = timezone.localdate(
        Notification.objects.filter(status="RETRY")
        .order_by("scheduled_delivery")
        .first()
        .scheduled_delivery
    )
    range_filter = page.locator(".admindatefilter").filter(
        has=page.locator('input[name="scheduled_delivery__range__gte"]')
    )
    range_filter.locator('input[name="scheduled_delivery__range__gte"]').fill(
        day.isoformat()
    )
    range_filter.locator('input[name="scheduled_delivery__range__lte"]').fill(
        day.isoformat()
    )
    range_filter.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"scheduled_delivery__range__gte="))
    expect(page).to_have_url(re.compile(r"status__exact=RETRY"))
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    expected = Notification.objects.filter(
        status="RETRY",
        scheduled_delivery__gte=start,
        scheduled_delivery__lt=start + datetime.timedelta(days=1),
    ).count()
    assert expected >= 1
    expect(page.locator("#result_list tbody tr")).to_have_count(expected)


def test_send_now_through_the_confirmation_page(
    page,
    live_server,
    admin_user,
    make_user,
    make_record,
    make_notification,
    fake_smtp,
):
    users = [make_user(username=f"reader{i}") for i in range(2)]
    rows = [make_notification(make_record(u), title=f"News {u.pk}") for u in users]
    log_in(page, live_server, "admin", "password")
    page.goto(f"{live_server.url}/admin/notify_admin/notification/")
    for row in rows:
        page.check(f'input[name="_selected_action"][value="{row.pk}"]')
    page.select_option('select[name="action"]', "send_now")
    page.click('button[name="index"]')

    expect(page.locator(".na-count")).to_have_text("2 notifications selected")
    assert fake_smtp.messages == []
    page.click("input[value='Yes, send now']")

    expect(page.locator(".messagelist")).to_contain_text(
        "Send now: 2 delivered, 0 to retry, 0 failed"
    )
    assert sorted(m["to"] for m in fake_smtp.messages) == sorted(u.email for u in users)
    assert set(
        Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list(
            "status", flat=True
        )
    ) == {"DELIVERED"}


def test_compose_a_notification_for_two_users(
    page, live_server, admin_user, make_user, make_record
):
    users = [make_user(username=f"composer{i}") for i in range(2)]
    for user in users:
        make_record(user)
    log_in(page, live_server, "admin", "password")
    page.goto(f"{live_server.url}/admin/auth/user/?q=composer")
    for user in users:
        page.check(f'input[name="_selected_action"][value="{user.pk}"]')
    page.select_option('select[name="action"]', "notify_compose")
    page.click('button[name="index"]')

    expect(page.locator(".na-count")).to_have_text("2 users selected")
    page.fill("#id_title", "Planned maintenance")
    page.fill("#id_body", "The service is down from 22:00 to 23:00 UTC.")
    page.fill("#id_extra", '{"priority": "high"}')
    page.click("input[value='Create notifications']")

    expect(page.locator(".messagelist")).to_contain_text(
        "2 notifications scheduled for 2 users."
    )
    created = Notification.objects.filter(title="Planned maintenance")
    assert sorted(n.user_target.user.username for n in created) == [
        "composer0",
        "composer1",
    ]
    assert {n.extra["priority"] for n in created} == {"high"}
