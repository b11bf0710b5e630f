"""Message templates in Chromium, under the console's Content-Security-Policy:
the change page's preview follows what staff type (email HTML in the
sandboxed frame, SMS segments, push size), and Compose "from template" asks a
value per placeholder, then creates the rendered notifications."""

from playwright.sync_api import expect

from notify_admin.models import Notification
from tests.support.browser import BROWSER_MARKS, log_in
from tests.support.browser_pages import shoot

pytestmark = BROWSER_MARKS


def test_the_preview_follows_what_staff_type(
    page, live_server, admin_user, make_template, screenshots
):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    template = make_template(
        "order_shipped",
        name="Order shipped",
        example={"order": "A-1042", "is_member": "yes"},
        email_subject="Your order ((order)) has shipped",
        email_text=(
            "Hi ((first_name)), order ((order)) is on its way."
            "((is_member?? Members get free delivery.))"
        ),
        email_html=(
            "<h1 style='color: rgb(0, 90, 160)'>Hi ((first_name))</h1>"
            "<p>Order <b>((order))</b> is on its way.((is_member?? Members get "
            "free delivery.))</p>"
        ),
        sms_text="Order ((order)) has shipped.",
        push_title="Shipped: ((order))",
        push_body="Tap to track it",
        push_data={"url": "/orders/((order))"},
    )
    log_in(page, live_server, "admin", "password")
    admin_user.first_name = "Ada"  # the built-in ((first_name)) is the viewer's
    admin_user.save()
    page.goto(
        f"{live_server.url}/admin/notify_admin/notificationtemplate/{template.pk}/change/"
    )
    preview = page.locator("#na-template-preview")
    sms = preview.locator(".na-template-part--sms")
    expect(sms).to_contain_text("Order A-1042 has shipped.")
    expect(sms).to_contain_text("GSM-7, 1 segment")
    frame = page.frame_locator("iframe.na-preview-html")
    expect(frame.locator("h1")).to_have_text("Hi Ada")

    # Typing changes the preview (no save): an emoji makes the SMS UCS-2.
    page.fill("#id_sms_text", "Order ((order)) has shipped 📦")
    expect(sms).to_contain_text("Order A-1042 has shipped 📦")
    expect(sms).to_contain_text("UCS-2, 1 segment")
    # The example values are part of the form, and the preview follows them.
    page.fill(
        "#id_example_personalisation", '{"order": "<b>B-7</b>", "is_member": "no"}'
    )
    expect(sms).to_contain_text("Order <b>B-7</b> has shipped")
    expect(frame.locator("p")).to_have_text("Order <b>B-7</b> is on its way.")
    push = preview.locator(".na-template-part--push")
    expect(push).to_contain_text('"url": "/orders/<b>B-7</b>"')

    # A malformed placeholder: the error shows by its field as staff type.
    page.fill("#id_push_title", "Shipped: ((order")
    field_error = page.locator(".field-push_title .na-live-errors")
    expect(field_error).to_contain_text("is not closed")
    page.fill("#id_push_title", "Shipped: ((order))")
    expect(field_error).to_have_count(0)

    # Staff HTML with a script stays inert in the frame.
    page.fill(
        "#id_email_html",
        "<p id='x'>Hi ((first_name))</p><script>parent.document.title='pwned';"
        "alert('x')</script>",
    )
    expect(frame.locator("#x")).to_have_text("Hi Ada")
    assert page.title() != "pwned"
    assert dialogs == []
    page.fill(
        "#id_email_html",
        "<h1 style='color: rgb(0, 90, 160)'>Hi ((first_name))</h1>"
        "<p>Order <b>((order))</b> is on its way.</p>",
    )
    expect(frame.locator("h1")).to_have_text("Hi Ada")
    assert Notification.objects.count() == 0
    assert template.versions.count() == 1  # nothing saved by previewing
    page.locator("#id_email_html").blur()
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, screenshots, "template-preview", full_page=True)


def test_compose_from_a_template(
    page, live_server, admin_user, make_user, make_record, make_template, screenshots
):
    template = make_template(
        "maintenance",
        name="Planned maintenance",
        example={"when": "tonight, 22:00 to 23:00 UTC"},
        email_subject="Planned maintenance ((when))",
        email_text="Hi ((first_name)), the service is down ((when)).",
        sms_text="Maintenance ((when)).",
    )
    users = [
        make_user(username=f"composer{i}", first_name=name)
        for i, name in enumerate(["Ann", "Bob"])
    ]
    for user in users:
        make_record(user)
    make_record(users[0], "twilio")
    log_in(page, live_server, "admin", "password")
    page.goto(f"{live_server.url}/admin/auth/user/?q=composer")
    for user in users:
        page.check(f'input[name="_selected_action"][value="{user.pk}"]')
    page.select_option('select[name="action"]', "notify_compose")
    page.click('button[name="index"]')

    expect(page.locator(".na-count")).to_have_text("2 users selected")
    page.select_option("#id_template", str(template.pk))
    page.click("input[value='Create notifications']")
    # The template's placeholder, filled with its example value.
    value = page.locator("#id_value_0")
    expect(value).to_have_value("tonight, 22:00 to 23:00 UTC")
    expect(page.locator(".errorlist.nonfield")).to_contain_text(
        "Check the values of the template's placeholders"
    )
    assert Notification.objects.count() == 0
    value.fill("on Sunday, 02:00 to 03:00 UTC")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, screenshots, "compose-from-template", full_page=True)
    page.click("input[value='Create notifications']")

    expect(page.locator(".messagelist")).to_contain_text(
        "3 notifications scheduled for 2 users."
    )
    rows = Notification.objects.select_related(
        "user_target__user", "user_target__target"
    )
    assert sorted(
        (n.user_target.user.username, n.user_target.target.name, n.body) for n in rows
    ) == [
        (
            "composer0",
            "Email",
            "Hi Ann, the service is down on Sunday, 02:00 to 03:00 UTC.",
        ),
        ("composer0", "Twilio", "Maintenance on Sunday, 02:00 to 03:00 UTC."),
        (
            "composer1",
            "Email",
            "Hi Bob, the service is down on Sunday, 02:00 to 03:00 UTC.",
        ),
    ]
    assert {n.template_version_id for n in rows} == {template.versions.get().pk}
