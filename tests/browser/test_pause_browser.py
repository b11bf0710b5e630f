"""Pausing a target in Chromium, under the console's Content-Security-Policy:
the action asks why, the banner appears on every admin page naming the
target (and links to it), the target page's button resumes it, and the
banner goes."""

from playwright.sync_api import expect

from notify_admin.models import TargetPause
from tests.support.browser import BROWSER_MARKS, log_in
from tests.support.browser_pages import shoot

pytestmark = BROWSER_MARKS

TARGETS = "/admin/notify_admin/notificationtarget/"


def test_pause_banner_resume(page, live_server, admin_user, targets, screenshots):
    sms = targets["twilio"]
    log_in(page, live_server, "admin", "password")
    page.goto(f"{live_server.url}{TARGETS}")
    expect(page.locator("#na-pause-banner")).to_have_count(0)
    page.check(f'input[name="_selected_action"][value="{sms.pk}"]')
    page.select_option('select[name="action"]', "pause_sending")
    page.click('button[name="index"]')
    page.fill("#id_reason", "Wrong <b>text</b> going out")
    page.click("#na-action-form input[type=submit]")

    banner = page.locator("#na-pause-banner")
    expect(banner).to_contain_text("Sending is paused on 1 target:")
    expect(banner).to_contain_text("Wrong <b>text</b> going out")  # text, not markup
    expect(banner.locator("b")).to_have_count(0)
    assert TargetPause.objects.get().reason == "Wrong <b>text</b> going out"
    shoot(page, screenshots, "pause_banner")
    # On every admin page, the user list (where Compose is) included.
    for path in ("/admin/", "/admin/notify_admin/notification/", "/admin/auth/user/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#na-pause-banner")).to_contain_text(sms.name)

    page.click("#na-pause-banner a.na-paused-target")
    page.click("#na-button-resume_sending")
    page.click("#na-action-form input[type=submit]")
    expect(page.locator("ul.messagelist li.success")).to_contain_text(
        "Sending resumed on 1 target"
    )
    expect(page.locator("#na-pause-banner")).to_have_count(0)
    assert not TargetPause.objects.exists()
