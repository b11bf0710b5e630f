from tests.test_browser import load_demo_data, log_in
from tests.test_browser import pytestmark as browser_marks
pytest_plugins = ["tests.test_browser"]
pytestmark = browser_marks
def test_shot(page, live_server):
    load_demo_data()
    log_in(page, live_server, "admin", "notify-admin-demo")
    for w in (1440,):
        page.set_viewport_size({"width": w, "height": 900})
        page.goto(f"{live_server.url}/admin/notify_admin/notification/")
        page.screenshot(path=f"/tmp/cl{w}.png")
        print(page.evaluate("""() => [...document.querySelectorAll('#result_list thead th')].map(t => t.className + ':' + Math.round(t.getBoundingClientRect().width)).join(' ')"""))
        print(page.evaluate("""() => ['#changelist-filter', '.changelist-form-container', '#content', '#main', '.results'].map(s => { const e=document.querySelector(s); return s + ':' + (e ? Math.round(e.getBoundingClientRect().width) + '/' + e.scrollWidth : '-') }).join(' ')"""))
