"""The action pages in a real headless Chromium: result pages, confirmation
pages with user and address per row, and the admin's own date/time widgets
and field layout on Reschedule and Compose.

``UPDATE_SCREENSHOTS=1`` writes a screenshot of each page to docs/screenshots/
(where the README's pictures live); otherwise to a temporary folder.
"""

import re

from playwright.sync_api import expect

from notify_admin.models import DeliveryAttempt, Notification
from tests.support.browser import BROWSER_MARKS, log_in
from tests.support.browser_pages import shoot

pytestmark = BROWSER_MARKS

CHANGELIST = "/admin/notify_admin/notification/"


def run_action(page, live_server, path, rows, action):
    page.goto(f"{live_server.url}{path}")
    for row in rows:
        page.check(f'input[name="_selected_action"][value="{row.pk}"]')
    page.select_option('select[name="action"]', action)
    page.click('button[name="index"]')


def test_send_now_confirms_per_row_then_shows_each_result(
    page,
    live_server,
    admin_user,
    make_user,
    make_record,
    make_notification,
    fake_smtp,
    fake_twilio,
    screenshots,
):
    ann, bob = make_user(username="ann"), make_user(username="bob")
    mail = make_notification(make_record(ann), title="Invoice ready")
    sms = make_notification(
        make_record(bob, "twilio", address="+14155552671"), title="Your code"
    )
    fake_twilio.errors["+14155552671"] = 21211
    log_in(page, live_server, "admin", "password")
    run_action(page, live_server, CHANGELIST, [mail, sms], "send_now")

    sample = page.locator("#na-sample tbody tr")
    expect(sample).to_have_count(2)
    expect(page.locator("#na-sample")).to_contain_text("ann")
    expect(page.locator("#na-sample")).to_contain_text("+14155552671")
    shoot(page, screenshots, "action-send-now")
    page.click("input[value='Yes, send now']")

    expect(page).to_have_url(re.compile(r"/deliveryrun/\d+/result/$"))
    result = page.locator("#na-run-result tbody tr")
    expect(result).to_have_count(2)
    expect(page.locator(".na-outcome-INACTIVE_DEVICE")).to_contain_text("21211")
    expect(page.locator(".na-outcome-DELIVERED")).to_contain_text(ann.email)
    expect(page.locator(".messagelist")).to_contain_text("1 delivered")
    shoot(page, screenshots, "action-result")

    page.click(".na-run-changelist")
    expect(page).to_have_url(re.compile(r"\?run=\d+"))
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    assert DeliveryAttempt.objects.filter(run__isnull=False).count() == 2


def test_reschedule_has_the_admin_date_and_time_widgets(
    page,
    live_server,
    admin_user,
    make_user,
    make_record,
    make_notification,
    screenshots,
):
    row = make_notification(make_record(make_user()), title="Later")
    log_in(page, live_server, "admin", "password")
    run_action(page, live_server, CHANGELIST, [row], "reschedule")

    # DateTimeShortcuts ran: "Today" and the calendar and clock buttons.
    expect(page.locator(".datetimeshortcuts")).to_have_count(2)
    expect(page.locator("#calendarlink0")).to_be_visible()
    expect(page.locator("#clocklink0")).to_be_visible()
    page.click("#calendarlink0")
    expect(page.locator("#calendarbox0")).to_be_visible()
    page.keyboard.press("Escape")
    # Laid out as Django's change form: aligned fieldset, errors by the field.
    expect(page.locator("fieldset.module.aligned .form-row")).to_have_count(1)
    page.fill("#id_scheduled_delivery_0", "2031-13-45")
    page.fill("#id_scheduled_delivery_1", "12:00:00")
    page.click("input[value='Reschedule']")
    expect(page.locator(".errornote")).to_be_visible()
    expect(
        page.locator(".form-row.field-scheduled_delivery .errorlist")
    ).to_be_visible()
    shoot(page, screenshots, "action-reschedule")

    # A time in the past is refused, with what to do instead.
    page.click("#calendarlink0")
    page.locator("#calendarbox0 .calendar-shortcuts a").first.click()  # Yesterday
    page.click("#clocklink0")
    page.locator("#clockbox0 a", has_text="Noon").click()
    page.click("input[value='Reschedule']")
    expect(
        page.locator(".form-row.field-scheduled_delivery .errorlist")
    ).to_contain_text("is in the past")
    assert (
        Notification.objects.get(pk=row.pk).scheduled_delivery == row.scheduled_delivery
    )
    shoot(page, screenshots, "action-reschedule-past")

    page.click("#calendarlink0")
    page.locator("#calendarbox0 .calendar-shortcuts a").last.click()  # Tomorrow
    page.click("#clocklink0")
    page.locator("#clockbox0 a", has_text="Noon").click()
    page.click("input[value='Reschedule']")
    expect(page.locator(".messagelist")).to_contain_text("1 notification rescheduled")
    moved = Notification.objects.get(pk=row.pk).scheduled_delivery
    assert (moved.hour, moved.minute) == (12, 0)


def test_compose_counts_sms_segments_then_sends_now(
    page, live_server, admin_user, make_user, make_record, fake_twilio, screenshots
):
    users = [make_user(username=f"texter{i}") for i in range(2)]
    for i, user in enumerate(users):
        make_record(user, "twilio", address=f"+1415555267{i}")
    log_in(page, live_server, "admin", "password")
    run_action(page, live_server, "/admin/auth/user/?q=texter", users, "notify_compose")

    expect(page.locator("#calendarlink0")).to_be_visible()
    expect(page.locator("#id_retry_time_interval")).to_have_value("300")
    page.fill("#id_title", "Zażółć")
    page.fill("#id_body", "Zażółć gęślą jaźń " * 5)  # Polish letters: UCS-2
    page.click("input[value='Create notifications']")

    body_row = page.locator(".form-row.field-body")
    expect(body_row.locator(".errorlist")).to_contain_text("needs 2 segments")
    expect(body_row.locator("#id_body_helptext")).to_contain_text("UCS-2, 2 segments")
    # The live counter says the same as the server.
    expect(body_row.locator("#na-live-sizes")).to_contain_text("UCS-2, 2 segments")
    shoot(page, screenshots, "action-compose")
    assert not Notification.objects.exists()

    page.check("#id_accept_long_sms")
    page.check("#id_send_now")
    page.click("input[value='Create notifications']")
    expect(page).to_have_url(re.compile(r"/deliveryrun/\d+/result/$"))
    expect(page.locator("#na-run-result tbody tr")).to_have_count(2)
    assert len(fake_twilio.messages) == 2
    assert set(Notification.objects.values_list("retry_time_interval", flat=True)) == {
        300
    }
