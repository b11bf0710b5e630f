"""In a real browser (headless Chromium), script payloads typed into
notifications, records and user names never run on any admin page."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from notify_admin.models import DeliveryAttempt, Notification
from tests.support.browser import BROWSER_MARKS, log_in
from tests.support.reliability_tally import tally

pytestmark = BROWSER_MARKS

PAYLOADS = [
    "<script>alert('title')</script>",
    "<img src=x onerror=alert('img')>",
    "\"><svg onload=alert('attr')>",
    "javascript:alert('href')",
]


def test_script_payloads_never_run_in_the_admin(
    page,  # noqa: F811
    live_server,
    admin_user,
    make_user,
    make_record,
):
    victim = make_user(first_name=PAYLOADS[0], last_name=PAYLOADS[1])
    record = make_record(victim, "email", description=PAYLOADS[2])
    notifications = [
        Notification.objects.create(
            user_target=record,
            title=payload,
            body=f"Body {payload}",
            extra={"data": {"link": payload}},
        )
        for payload in PAYLOADS
    ]
    failed = Notification.objects.create(
        user_target=record,
        title=PAYLOADS[3],
        body=PAYLOADS[0],
        status=Notification.DELIVERY_FAILURE,
        attempted_delivery=timezone.now(),
    )
    DeliveryAttempt.objects.create(
        notification=failed,
        outcome=Notification.DELIVERY_FAILURE,
        address=record.target_user_id,
        error_message=PAYLOADS[1],
        response={"message": PAYLOADS[2]},
    )
    alerts = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    log_in(page, live_server, "admin", "password")
    paths = [
        "/admin/notify_admin/",
        "/admin/notify_admin/notification/",
        f"/admin/notify_admin/notification/?q={PAYLOADS[0]}",
        f"/admin/notify_admin/notification/{failed.pk}/change/",
        *(f"/admin/notify_admin/notification/{n.pk}/change/" for n in notifications),
        f"/admin/notify_admin/notification/{failed.pk}/delete/",
        f"/admin/notify_admin/notification/{failed.pk}/history/",
        "/admin/notify_admin/targetuserrecord/",
        f"/admin/notify_admin/targetuserrecord/{record.pk}/change/",
        "/admin/auth/user/",
        f"/admin/auth/user/{victim.pk}/change/",
    ]
    for path in paths:
        tally("admin pages opened in a browser")
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        assert "Server Error" not in page.title()
    # The confirmation page of "Send now" lists the selected rows by title.
    page.goto(f"{live_server.url}/admin/notify_admin/notification/")
    page.locator("input.action-select").first.check()
    page.select_option("select[name=action]", "send_now")
    page.locator("button[name=index]").first.click()
    page.wait_for_load_state("load")
    assert "selected" in page.content()
    assert alerts == []
    # The listener does catch a dialog when a script runs one.
    page.evaluate("window.alert('control')")
    assert alerts == ["control"]
    assert get_user_model().objects.filter(pk=victim.pk).exists()
