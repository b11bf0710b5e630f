"""The staff's day, third pass, in Chromium under the console's CSP: every
point of issue 19 as a new staff user meets it, with a screenshot of each
page at 1,440 and 1,024 px (``UPDATE_SCREENSHOTS=1`` writes them to
docs/screenshots/). The ``page`` fixture fails a test on any CSP violation."""

import re

from django.utils import timezone

from notify_admin.models import DeliveryRun, Notification
from tests.support.browser import BROWSER_MARKS, expect, log_in
from tests.support.browser_pages import horizontal_overflow, shoot

pytestmark = BROWSER_MARKS

CHANGELIST = "/admin/notify_admin/notification/"


def select_rows(page, live_server, path, rows, action):
    page.goto(f"{live_server.url}{path}")
    for row in rows:
        page.check(f'input[name="_selected_action"][value="{row.pk}"]')
    page.select_option('select[name="action"]', action)
    page.click('button[name="index"]')


def test_send_now_names_every_row_and_warns_first(
    page,
    live_server,
    admin_user,
    make_user,
    make_record,
    make_notification,
    fake_smtp,
    no_twilio,
    screenshots,
):
    ann, bob, cy, dee = (make_user(username=n) for n in ("ann", "bob", "cy", "dee"))
    mail = make_notification(make_record(ann), title="Invoice ready")
    sms = make_notification(make_record(bob, "twilio"), title="Your code")
    sent = make_notification(make_record(cy), "DELIVERED", title="Welcome")
    dead = make_notification(make_record(dee, active=False), title="Reminder")
    log_in(page, live_server, "admin", "password")
    select_rows(page, live_server, CHANGELIST, [mail, sms, sent, dead], "send_now")

    # Point 3: the confirmation warns about the inactive address and says so
    # on its row; point 2's provider warning too.
    warnings = page.locator(".na-warnings")
    expect(warnings).to_contain_text("goes to an inactive address")
    expect(warnings).to_contain_text("whose provider is not configured")
    expect(page.locator("#na-sample")).to_contain_text(
        "Scheduled (inactive address: not sent, becomes Inactive device)"
    )
    shoot(page, screenshots, "send-now-warnings")
    page.click("input[value='Yes, send now']")

    # Point 2: every selected row is on the result page, with what happened.
    result = page.locator("#na-run-result tbody tr")
    expect(result).to_have_count(4)
    unconfigured = page.locator("tr.na-reason-not_configured")
    expect(unconfigured).to_contain_text("bob")
    expect(unconfigured).to_contain_text("Not sent")
    expect(unconfigured).to_contain_text("The provider is not configured")
    expect(page.locator("tr.na-reason-delivered")).to_contain_text("Already delivered")
    expect(page.locator("tr.na-outcome-INACTIVE_DEVICE")).to_contain_text("dee")
    expect(page.locator(".messagelist")).to_contain_text(
        "1 not sent (provider not configured)"
    )
    expect(page.locator(".na-run-totals")).to_contain_text(
        "1 not sent (provider not configured)"
    )
    shoot(page, screenshots, "result-every-row")
    # The list link shows the same four rows.
    page.click("a.na-run-changelist")
    expect(page.locator("#result_list tbody tr")).to_have_count(4)
    assert Notification.objects.get(pk=sms.pk).status == Notification.SCHEDULED


def test_a_test_send_that_cannot_go_is_cancelled_and_listed(
    page, live_server, admin_user, make_user, make_record, fake_smtp, no_twilio
):
    eve = make_user(username="eve")
    mail, phone = make_record(eve), make_record(eve, "twilio")
    log_in(page, live_server, "admin", "password")
    select_rows(
        page,
        live_server,
        "/admin/notify_admin/targetuserrecord/",
        [mail, phone],
        "send_test_notification",
    )
    page.click("input[value='Yes, send']")
    withdrawn = page.locator("tr.na-reason-test_withdrawn")
    expect(withdrawn).to_contain_text(phone.target_user_id)
    expect(withdrawn).to_contain_text("never goes out later")
    test = Notification.objects.get(user_target=phone)
    assert test.status == Notification.OPTED_OUT and test.cancelled_by == admin_user


def test_a_sent_row_is_read_only_with_the_reason(
    page,
    live_server,
    admin_user,
    make_user,
    make_record,
    make_notification,
    screenshots,
):
    row = make_notification(
        make_record(make_user(username="gil")), "DELIVERY_FAILURE", title="Receipt"
    )
    log_in(page, live_server, "admin", "password")
    page.goto(f"{live_server.url}{CHANGELIST}{row.pk}/change/")
    expect(page.locator("#na-locked")).to_contain_text("has been attempted")
    for name in ("title", "body", "extra", "status", "retry_attempts"):
        expect(page.locator(f'[name="{name}"]')).to_have_count(0)
    expect(page.locator('[name="max_retries"]')).to_be_editable()
    # Titles and breadcrumbs say the status in words.
    expect(page.locator(".breadcrumbs")).to_contain_text("Receipt (Delivery failure)")
    assert "DELIVERY_FAILURE" not in page.title()
    shoot(page, screenshots, "notification-locked")


def test_the_dashboard_failed_link_is_a_filter_the_sidebar_shows(
    page,
    live_server,
    admin_user,
    make_user,
    make_record,
    make_notification,
    screenshots,
):
    record = make_record(make_user(username="hana"))
    now = timezone.now()
    make_notification(record, "DELIVERY_FAILURE", attempted_delivery=now)
    make_notification(record, "INACTIVE_DEVICE", attempted_delivery=now)
    make_notification(record, "RETRY", attempted_delivery=now)
    log_in(page, live_server, "admin", "password")
    page.goto(f"{live_server.url}/admin/notify_admin/")
    page.locator("a.na-card").filter(has=page.locator("#na-failures-24h")).click()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    sidebar = page.locator("#changelist-filter")
    expect(sidebar.locator("li.selected")).to_contain_text(
        ["Failed (delivery failure or inactive device)"]
    )
    shoot(page, screenshots, "failed-filter")
    # A status chosen from there replaces the group instead of adding to it.
    sidebar.get_by_role("link", name="Retry", exact=True).click()
    expect(page).not_to_have_url(re.compile("status__in"))
    expect(page.locator("#result_list tbody tr")).to_have_count(1)


def test_a_staff_cancellation_reads_who_and_when(
    page,
    live_server,
    admin_user,
    make_user,
    make_record,
    make_notification,
    screenshots,
):
    record = make_record(make_user(username="ivy"))
    row = make_notification(record, title="Spring sale")
    sent = make_notification(record, "DELIVERED", title="Old news")
    log_in(page, live_server, "admin", "password")
    # Two rows: no confirmation page (it asks above ten).
    select_rows(page, live_server, CHANGELIST, [row, sent], "cancel")
    # Point 8: the skipped row is named, with why.
    expect(page.locator(".messagelist")).to_contain_text(
        "1 skipped. Already delivered: “Old news” for ivy"
    )
    badge = page.locator("#result_list .na-status--CANCELLED")
    expect(badge).to_have_text("Cancelled by admin")
    shoot(page, screenshots, "cancelled-list")
    page.goto(f"{live_server.url}{CHANGELIST}{row.pk}/change/")
    expect(page.locator(".field-status_shown")).to_contain_text("Cancelled by admin at")
    expect(page.locator('select[name="status"]')).to_have_count(0)
    shoot(page, screenshots, "cancelled-change")
    page.goto(f"{live_server.url}/admin/notify_admin/")
    expect(page.locator("#na-status-matrix thead")).to_contain_text(
        "Cancelled by staff"
    )


def test_runs_link_to_their_rows_and_lists_fit(
    page,
    live_server,
    admin_user,
    make_user,
    make_record,
    make_notification,
    fake_smtp,
    screenshots,
):
    user = make_user(username="jon")
    for i in range(3):
        record = make_record(user, address=f"jon{i}@example.com", description="x" * 60)
        make_notification(record, title=f"News {i}")
    log_in(page, live_server, "admin", "password")
    select_rows(page, live_server, CHANGELIST, Notification.objects.all(), "send_now")
    page.click("input[value='Yes, send now']")
    run = DeliveryRun.objects.get()

    page.goto(f"{live_server.url}/admin/notify_admin/deliveryrun/")
    # Every column shows at 1,440 px (at 1,024 px the list scrolls inside its
    # box, as Django's own lists do).
    assert horizontal_overflow(page) == 0
    expect(page.locator("a.na-run-result")).to_be_visible()
    shoot(page, screenshots, "runs")
    page.goto(f"{live_server.url}/admin/notify_admin/deliveryrun/{run.pk}/change/")
    shoot(page, screenshots, "run-page")
    page.click("a.na-run-rows")
    expect(page).to_have_url(re.compile(rf"run={run.pk}"))
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    page.go_back()
    page.click("a.na-run-result")
    expect(page.locator("#na-run-result tbody tr")).to_have_count(3)

    page.goto(f"{live_server.url}/admin/notify_admin/targetuserrecord/")
    assert horizontal_overflow(page) == 0
    # Nothing filtered: no "clear search and filters".
    expect(page.locator("a.na-clear-filters")).to_have_count(0)
    expect(page.locator("#changelist-filter")).to_contain_text("By staff member")
    shoot(page, screenshots, "records")


def test_compose_counts_live_and_warns_of_an_unconfigured_provider(
    page, live_server, admin_user, make_user, make_record, no_twilio, screenshots
):
    users = [make_user(username=f"kit{i}") for i in range(2)]
    make_record(users[0], "twilio")
    make_record(users[1], "expo")
    log_in(page, live_server, "admin", "password")
    select_rows(page, live_server, "/admin/auth/user/?q=kit", users, "notify_compose")
    expect(page.locator(".na-warnings")).to_contain_text(
        "Twilio, whose provider is not configured"
    )
    sizes = page.locator("#na-live-sizes")
    # The channels' own answers, asked as the body is typed, before any submit.
    expect(sizes).to_contain_text("SMS: 0 characters, GSM-7, 1 segment.")
    page.fill("#id_title", "Hi")
    page.fill("#id_body", "x" * 161)
    expect(sizes).to_contain_text("SMS: 161 characters, GSM-7, 2 segments.")
    expect(sizes.locator("p.na-warn")).to_have_count(1)  # "Send long SMS" not ticked
    page.check("#id_accept_long_sms")
    expect(sizes.locator("p.na-warn")).to_have_count(0)
    page.fill("#id_body", "Grüße € ✓")
    expect(sizes).to_contain_text("UCS-2")
    page.fill("#id_body", "Ping")
    page.fill("#id_extra", '{"sound": "default"}')
    # The push figure is the one the form gives when it is sent.
    from notify_admin.channels import get_channel

    expected = get_channel("expo").measure("Hi", "Ping", {"sound": "default"})
    expect(sizes).to_contain_text(str(expected.summary))
    shoot(page, screenshots, "compose-live")
    page.select_option("#id_target", label="Email")
    expect(sizes).not_to_contain_text("SMS")


def test_small_words(
    page,
    live_server,
    admin_user,
    make_user,
    make_record,
    make_notification,
    screenshots,
):
    ada = make_user(username="ada", first_name="Ada", last_name="Lovelace")
    namesake = make_user(username="ada2", first_name="Ada", last_name="Lovelace")
    for user in (ada, namesake):
        make_record(user, "twilio", description="Ada Lovelace's mobile")
    push = make_notification(make_record(ada, "expo"), title="Ping", extra={"badge": 1})
    log_in(page, live_server, "admin", "password")

    # The push preview lists the options given, not every unset key as None.
    page.goto(f"{live_server.url}{CHANGELIST}{push.pk}/change/")
    preview = page.locator(".na-preview")
    expect(preview).to_contain_text("badge")
    expect(preview).not_to_contain_text("None")

    # The record picker names the user (and target) of each address.
    page.goto(f"{live_server.url}{CHANGELIST}add/")
    assert page.locator("#id_retry_time_interval").input_value() == "300"
    page.locator(".field-user_target .select2").click()
    page.locator(".select2-search__field").fill("mobile")
    options = page.locator(".select2-results__option")
    expect(options).to_have_count(2)
    assert sorted(options.all_inner_texts()) == [
        "ada · Twilio · +14155552671 (Ada Lovelace's mobile)",
        "ada2 · Twilio · +14155552671 (Ada Lovelace's mobile)",
    ]
    shoot(page, screenshots, "record-picker")

    # Range-filter time inputs say what they take.
    page.goto(f"{live_server.url}{CHANGELIST}")
    assert (
        page.locator('input[name="attempted_delivery__range__gte_1"]').get_attribute(
            "placeholder"
        )
        == "From time"
    )
    assert (
        page.locator('input[name="attempted_delivery__range__lte_1"]').get_attribute(
            "placeholder"
        )
        == "To time"
    )
    expect(page.locator("a.na-clear-filters")).to_have_count(0)
    shoot(page, screenshots, "notifications-sidebar")


def test_the_export_pages_select_all_works_under_the_csp(
    page, live_server, admin_user, make_user, make_record
):
    make_record(make_user(username="lea"))
    log_in(page, live_server, "admin", "password")
    page.goto(f"{live_server.url}/admin/notify_admin/targetuserrecord/export/")
    toggle = page.locator("input.select-toggle").first
    expect(toggle).to_be_checked()
    fields = page.locator("input[type=checkbox][name*='resource_']")
    assert fields.count() >= 2
    toggle.uncheck()
    # The library's own handler ran (allowed by its hash), no CSP violation.
    for i in range(fields.count()):
        expect(fields.nth(i)).not_to_be_checked()
    assert page.csp_violations == []
