"""The console as README's "Deploying the console" runs it: gunicorn with the
production environment on 127.0.0.1, a PostgreSQL database of its own after
`migrate` and `collectstatic`, a real Chromium logging in.

The test plays the TLS-terminating proxy (README sets DJANGO_BEHIND_PROXY=1):
every request carries `X-Forwarded-Proto: https` and an `X-Forwarded-For`
address, so the SSL redirect, the secure cookies and the login throttling work
as in production on plain-HTTP 127.0.0.1 (Chromium accepts secure cookies
from 127.0.0.1). The browser's origin is then http://127.0.0.1:<port>, which
CSRF_TRUSTED_ORIGINS names, as it would name https://console.example.com.
"""

import os
import re
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from django.conf import settings

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.deploy_readme import (
    BIN,
    gunicorn_command,
    production_env,
    setup_commands,
)

try:
    import psycopg
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover (the postgres and dev extras install them)
    psycopg = sync_playwright = None

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(
        sync_playwright is None,
        reason="playwright or psycopg is missing: pip install -e '.[postgres,dev]'",
    ),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"{CHROMIUM} is missing: apt-get install chromium",
    ),
    pytest.mark.skipif(
        not (BIN / "gunicorn").exists(),
        reason="gunicorn is missing: pip install -e '.[console]'",
    ),
]

PASSWORD = "smoke-" + secrets.token_urlsafe(12)
ADMIN_ADDRESS = "203.0.113.7"  # where the superuser works from
GUESSER_ADDRESS = "198.51.100.9"  # where the passwords are guessed
ELSEWHERE_ADDRESS = "192.0.2.44"  # the same user, from another machine
HASHED_CSS = re.compile(r"/static/admin/css/base\.[0-9a-f]{12}\.css")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def admin_connection():
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture(scope="module")
def smoke_database():
    """A database of the smoke test's own, beside the suite's test database."""
    db = settings.DATABASES["default"]
    # test_<name>_deploy_smoke, whether or not pytest-django has already
    # renamed the suite's database to test_<name>.
    name = f"test_{db['NAME'].removeprefix('test_')}_deploy_smoke"[:63]
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    yield f"postgres://{user}{password}@{host}:{port}/{name}"
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wait_until_serving(url, process, log):
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited: {log.read_text()}")
        try:
            fetch(url)
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"gunicorn did not answer in 90 s: {log.read_text()}")


@pytest.fixture(scope="module")
def console(smoke_database, tmp_path_factory):
    """migrate, collectstatic, createsuperuser, then gunicorn: as README says."""
    work = tmp_path_factory.mktemp("deploy")
    port = free_port()
    env = production_env(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{port}",
        DATABASE_URL=smoke_database,
        DJANGO_STATIC_ROOT=work / "static",
    )
    for extra, argv in setup_commands():
        extra = {**extra, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}
        done = subprocess.run(
            argv,
            cwd=work,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"
    log = work / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            gunicorn_command(port),
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/admin/login/", process, log)
        yield {"url": base, "log": log, "static_root": work / "static"}
    finally:
        process.terminate()
        process.wait(timeout=60)
        shutil.rmtree(work / "static", ignore_errors=True)


PROXIED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": ADMIN_ADDRESS}


def test_plain_http_is_redirected_to_https(console):
    status, headers, _ = fetch(f"{console['url']}/admin/login/")
    assert status == 301
    assert headers["Location"].startswith("https://127.0.0.1:")


def test_login_page_and_hashed_stylesheet_through_gunicorn(console):
    status, headers, body = fetch(f"{console['url']}/admin/login/", PROXIED)
    assert status == 200
    assert headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("csrftoken=") and "Secure" in cookie
    stylesheet = HASHED_CSS.search(body.decode()).group(0)
    assert (console["static_root"] / stylesheet.removeprefix("/static/")).exists()
    status, headers, css = fetch(
        console["url"] + stylesheet, {**PROXIED, "Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert headers["Content-Encoding"] == "gzip"  # WhiteNoise's compressed copy
    assert "immutable" in headers["Cache-Control"]
    # The access log (README: --access-logfile -) shows the request (gunicorn
    # writes the line once the response is sent: give it a moment).
    deadline = time.monotonic() + 10
    while stylesheet not in console["log"].read_text():
        assert time.monotonic() < deadline, console["log"].read_text()
        time.sleep(0.1)


@pytest.fixture(scope="module")
def smoke_browser():
    """A Chromium of its own (no test database: the console has its own)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def new_page(browser, address):
    context = browser.new_context(
        extra_http_headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": address}
    )
    context.set_default_timeout(20_000)
    return context.new_page()


def submit_login(page, console, password):
    """One login attempt; the status of the answer to the POST."""
    page.goto(f"{console['url']}/admin/login/?next=/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", password)
    with page.expect_response(
        lambda r: "/admin/login/" in r.url and r.request.method == "POST"
    ) as answer:
        page.click("input[type=submit]")
    page.wait_for_load_state("load")
    return answer.value.status


def test_log_in_with_chromium_and_open_the_notifications(console, smoke_browser):
    page = new_page(smoke_browser, ADMIN_ADDRESS)
    assert submit_login(page, console, PASSWORD) == 302
    expect(page.locator("#user-tools")).to_contain_text("Welcome, admin")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["sessionid"]["secure"] and cookies["sessionid"]["httpOnly"]
    assert cookies["csrftoken"]["secure"]
    page.goto(f"{console['url']}/admin/notify_admin/notification/")
    expect(page.locator("h1")).to_have_text("Select notification to change")
    # The admin's hashed stylesheet, served by WhiteNoise, is applied.
    assert page.evaluate(
        "[...document.styleSheets].some(s => /base\\.[0-9a-f]{12}\\.css/"
        ".test(s.href) && s.cssRules.length > 50)"
    )
    page.context.close()


def test_sixth_wrong_password_in_a_row_is_locked_out(console, smoke_browser):
    guesser = new_page(smoke_browser, GUESSER_ADDRESS)
    statuses = [submit_login(guesser, console, f"guess-{n}") for n in range(1, 7)]
    # Four ordinary refusals; the fifth failure locks "admin" out from this
    # address (django-axes answers 429), and the sixth is refused unchecked.
    assert statuses == [200, 200, 200, 200, 429, 429]
    # The lockout page, in the admin's look.
    expect(guesser.locator("p.errornote")).to_contain_text(
        "after 5 wrong passwords in a row, this account is locked from this address"
    )
    expect(guesser.locator("#site-name")).to_be_visible()
    # Even the right password is refused from there now ...
    assert submit_login(guesser, console, PASSWORD) == 429
    # ... while the same user logs in from elsewhere.
    elsewhere = new_page(smoke_browser, ELSEWHERE_ADDRESS)
    assert submit_login(elsewhere, console, PASSWORD) == 302

    # A superuser sees the lockout in the admin and lifts it.
    elsewhere.goto(f"{console['url']}/admin/axes/accessattempt/?locked_out=yes")
    row = elsewhere.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(GUESSER_ADDRESS)
    expect(row).to_contain_text("admin")
    row.locator("input.action-select").check()
    elsewhere.select_option("select[name=action]", "delete_selected")
    elsewhere.locator("button[name=index]").first.click()
    elsewhere.click("input[type=submit]")  # "Yes, I'm sure"
    expect(elsewhere.locator("ul.messagelist")).to_contain_text("Successfully deleted")

    assert submit_login(guesser, console, PASSWORD) == 302
    expect(guesser.locator("#user-tools")).to_contain_text("Welcome, admin")
    # The failures stay listed for the record.
    guesser.goto(f"{console['url']}/admin/axes/accessfailurelog/?q={GUESSER_ADDRESS}")
    expect(guesser.locator("#result_list tbody tr")).to_have_count(7)
