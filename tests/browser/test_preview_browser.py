"""The email preview in Chromium, under the console's Content-Security-Policy:
the frame shows the email (with its own styles), nothing of the email is live
in the admin page, and the email's scripts do not run even in the frame."""

from playwright.sync_api import expect

from tests.support.browser import BROWSER_MARKS, log_in
from tests.support.browser_pages import shoot

pytestmark = BROWSER_MARKS


def test_the_preview_shows_the_email_and_nothing_of_it_is_live(
    page, live_server, admin_user, hostile_email, screenshots
):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, live_server, "admin", "password")
    response = page.goto(
        f"{live_server.url}/admin/notify_admin/notification/{hostile_email.pk}/change/"
    )
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")

    # The frame shows the email, styled by its own <style>.
    frame = page.frame_locator("iframe.na-preview-html")
    heading = frame.locator("#na-email-heading")
    expect(heading).to_have_text(
        'Hello Ada <b>Lovelace</b>, it\'s "time"'  # the value, as text
    )
    assert heading.evaluate("h => getComputedStyle(h).color") == "rgb(200, 0, 0)"
    body_background = frame.locator("body").evaluate(
        "b => getComputedStyle(b).backgroundColor"
    )
    assert body_background == "rgb(255, 250, 205)"
    expect(frame.locator("p")).to_have_attribute("title", 'single "quoted" attribute')

    # Its script and its image's error handler did not run, even in the frame.
    body = frame.locator("body")
    expect(body).not_to_have_attribute("data-script-ran", "yes")
    expect(body).not_to_have_attribute("data-onerror-ran", "yes")
    # The frame is sandboxed: an opaque origin that cannot reach the admin.
    iframe = page.locator("iframe.na-preview-html")
    expect(iframe).to_have_attribute("sandbox", "")

    # Nothing of the email is in the admin's own document.
    admin_dom = page.evaluate(
        """() => ({
            heading: document.querySelectorAll(
                "#na-email-heading, .na-email-only").length,
            image: document.querySelectorAll("#na-email-img, img[onerror]").length,
            inlineScripts: [...document.scripts].filter(s => !s.src).length,
            styles: document.querySelectorAll("style").length,
            title: document.title,
            background: getComputedStyle(document.body).backgroundColor,
        })"""
    )
    assert admin_dom["heading"] == 0
    assert admin_dom["image"] == 0
    assert admin_dom["inlineScripts"] == 0
    assert admin_dom["styles"] == 0
    assert admin_dom["title"].startswith("Weekly")  # not "pwned"
    assert admin_dom["title"] != "pwned"
    assert admin_dom["background"] != "rgb(255, 250, 205)"
    assert dialogs == []

    # The HTML source shows the template as text.
    page.locator(".na-preview summary").click()
    source = page.locator("pre.na-preview-source")
    expect(source).to_be_visible()
    expect(source).to_contain_text("<script>document.body.setAttribute")
    expect(source).to_contain_text('<img id="na-email-img" src="no-such-image.png"')
    assert source.evaluate("pre => pre.children.length") == 0

    page.locator("iframe.na-preview-html").scroll_into_view_if_needed()
    shoot(page, screenshots, "email-preview")
    assert page.csp_violations == []
    # The dialog listener does catch a script that runs (a control).
    page.evaluate("window.alert('control')")
    assert dialogs == ["control"]
