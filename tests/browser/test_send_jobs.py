"""A bulk send from a file in Chromium, under the console's CSP: upload, the
errors page, the fixed file, the preview, approval by a second staff user,
and the job page whose counts follow the delivery without a reload. A
screenshot of each step (``UPDATE_SCREENSHOTS=1``: docs/screenshots/
send_job_*.png)."""

from notify_admin import delivery
from notify_admin.models import Notification, SendJob
from tests.support.browser import BROWSER_MARKS, expect, log_in
from tests.support.browser_pages import horizontal_overflow, shoot, watch_csp
from tests.support.send_job_admin import SENDER_PERMS, csv_bytes, people, staff

pytestmark = BROWSER_MARKS


def paint_frames(page):
    """Chromium paints a sandboxed frame once it has been on screen: each is
    scrolled to before a full-page picture."""
    frames = page.locator("iframe.na-preview-html")
    for i in range(frames.count()):
        frames.nth(i).scroll_into_view_if_needed()
        expect(
            page.frame_locator("iframe.na-preview-html").nth(i).locator("h1")
        ).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")


def shoot_tall(page, folder, name):
    """A full-page picture taken with the whole page inside the window (a
    frame outside it is left blank in the picture)."""
    height = page.viewport_size["height"]
    tall = page.evaluate("document.documentElement.scrollHeight") + 200
    page.set_viewport_size({"width": page.viewport_size["width"], "height": tall})
    shoot(page, folder, name)
    page.set_viewport_size({"width": page.viewport_size["width"], "height": height})


def test_upload_errors_fixed_file_preview_approval_job_page(
    page, browser, live_server, make_template, settings, screenshots
):
    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = 2
    template = make_template(
        "appointment",
        name="Appointment reminder",
        email_subject="Your appointment on ((day))",
        email_text="Hi ((first_name)), see you on ((day)) in ((room)).",
        email_html=(
            "<h1>Hi ((first_name))</h1><p>See you on <b>((day))</b> in ((room)).</p>"
        ),
    )
    users = people(3, prefix="patient")
    for user, name in zip(users, ["Ann", "Bob", "Cleo"], strict=True):
        user.first_name = name
        user.save()
    staff("creator", *SENDER_PERMS)
    staff("approver", *SENDER_PERMS)
    header = ["user", "day", "room"]
    broken = [
        [users[0].username, "Monday", "Room 1"],
        ["no-such-patient", "Monday", "Room 2"],
        [users[1].username, "", "<b>Room 3</b>"],
    ]
    fixed = [[u.username, "Monday", f"Room {i}"] for i, u in enumerate(users)]
    fixed[2][2] = "<script>alert(1)</script>"

    log_in(page, live_server, "creator", "password")
    page.goto(f"{live_server.url}/admin/notify_admin/sendjob/add/")
    page.select_option("#id_template", str(template.pk))
    shoot(page, screenshots, "send_job_upload")

    # A file with errors: every problem by line and column, nothing created.
    page.set_input_files(
        "#id_file",
        {
            "name": "patients.csv",
            "mimeType": "text/csv",
            "buffer": csv_bytes(header, broken),
        },
    )
    page.click("#na-job-upload")
    errors = page.locator("#na-job-error-table tbody tr")
    expect(page.locator(".errornote")).to_contain_text("nothing was created")
    expect(errors.filter(has_text="no-such-patient")).to_have_count(1)
    expect(page.locator("#na-job-error-table")).to_contain_text("day")
    assert SendJob.objects.count() == 0
    shoot(page, screenshots, "send_job_errors")

    # The fixed file (the template is still chosen): its preview.
    expect(page.locator("#id_template")).to_have_value(str(template.pk))
    page.set_input_files(
        "#id_file",
        {
            "name": "patients.csv",
            "mimeType": "text/csv",
            "buffer": csv_bytes(header, fixed),
        },
    )
    page.click("#na-job-upload")
    expect(page.locator("#na-job-preview .na-job-row")).to_have_count(3)
    frame = page.frame_locator("iframe.na-preview-html").nth(2)
    expect(frame.locator("p")).to_contain_text("<script>alert(1)</script>")
    expect(page.locator("#na-job-approval")).to_contain_text("approval")
    expect(page.locator("#na-job-send")).to_have_count(0)
    job = SendJob.objects.get()
    assert job.state == SendJob.AWAITING_APPROVAL
    paint_frames(page)
    shoot_tall(page, screenshots, "send_job_preview")

    # A second person who may send approves it, in a browser of their own.
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(15_000)
    other = context.new_page()
    violations = watch_csp(context, other)
    log_in(other, live_server, "approver", "password")
    other.goto(f"{live_server.url}/admin/notify_admin/sendjob/{job.pk}/change/")
    other.click(".na-job-approve-link")
    expect(other.locator("#na-job-approve")).to_be_visible()
    paint_frames(other)
    shoot_tall(other, screenshots, "send_job_approval")
    # Scrolled first: the preview's frames settle their height as they load.
    approve = other.locator("#na-job-approve")
    approve.scroll_into_view_if_needed()
    approve.click()
    expect(other.locator(".messagelist")).to_contain_text("Approved by approver")
    expect(other.locator("#na-job-summary")).to_contain_text("approver")
    assert Notification.objects.filter(send_job=job).count() == 3

    # The job page follows the delivery: in place while it sends...
    expect(other.locator('[data-na-cell="total:SCHEDULED"]')).to_have_text("3")
    other.evaluate("window.naStillHere = true")
    rows = Notification.objects.filter(send_job=job).order_by("pk")
    delivery.send_now(rows.filter(pk=rows[0].pk), source="test")
    expect(other.locator('[data-na-cell="total:DELIVERED"]')).to_have_text(
        "1", timeout=20_000
    )
    expect(other.locator('[data-na-cell="total:SCHEDULED"]')).to_have_text("2")
    assert other.evaluate("window.naStillHere") is True  # no reload
    # ... and drawn again when it finishes.
    delivery.send_now(rows, source="test")
    expect(other.locator("#na-job-summary .na-job-state")).to_have_text(
        "Finished", timeout=20_000
    )
    expect(other.locator('[data-na-cell="total:DELIVERED"]')).to_have_text("3")
    shoot(other, screenshots, "send_job_page")

    # Its notifications in the list, through the sidebar's job filter.
    other.click(".na-job-rows")
    expect(other.locator("#changelist-filter")).to_contain_text(f"Job {job.pk}")
    expect(other.locator("#result_list tbody tr")).to_have_count(3)
    # The list of jobs: state, template, file, rows, outcomes, people, times.
    other.goto(f"{live_server.url}/admin/notify_admin/sendjob/")
    expect(other.locator("#result_list tbody tr")).to_have_count(1)
    expect(other.locator("#result_list")).to_contain_text("3 delivered")
    # Every column shows at 1,440 px with both sidebars open (at 1,024 px the
    # list scrolls inside its box, as Django's own lists do).
    assert horizontal_overflow(other) == 0
    shoot(other, screenshots, "send_job_list", full_page=False)
    context.close()
    assert violations == [], "Content-Security-Policy violations"
