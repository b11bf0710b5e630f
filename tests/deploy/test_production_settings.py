"""The console's production settings, each read in a fresh interpreter under
README's production environment: `check --deploy` is clean, the safe defaults
hold unless a variable explicitly turns one off, the development console keeps
its own, and the proxy's headers are trusted only when the console is told a
proxy sits in front of it."""

import json
import re
import secrets
import subprocess
import sys

import pytest

from tests.support.deploy_readme import (
    REPO,
    code_blocks,
    gunicorn_command,
    production_env,
)

pytestmark = pytest.mark.slow


def machine_env(tmp_path, **extra):
    return production_env(
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        DJANGO_STATIC_ROOT=tmp_path / "static",
        **extra,
    )


def run(args, env, cwd):
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def check_deploy(env, cwd):
    return run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "INFO"],
        env,
        cwd,
    )


def test_check_deploy_reports_nothing_under_the_documented_environment(tmp_path):
    done = check_deploy(machine_env(tmp_path), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize(
    ("variable", "value", "warning"),
    [
        ("DJANGO_SECURE_HSTS_SECONDS", "0", "security.W004"),
        ("DJANGO_SECURE_SSL_REDIRECT", "0", "security.W008"),
        ("DJANGO_SECURE_HSTS_PRELOAD", "0", "security.W021"),
    ],
)
def test_turning_a_default_off_takes_an_explicit_variable_and_check_says_so(
    tmp_path, variable, value, warning
):
    env = machine_env(tmp_path)
    env[variable] = value
    done = check_deploy(env, tmp_path)
    assert done.returncode != 0
    assert warning in done.stderr


SHOW = (
    "import json, django; django.setup();"
    "from django.conf import settings as s;"
    "print(json.dumps({name: getattr(s, name, None) for name in ["
    "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT',"
    "'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', 'CSRF_TRUSTED_ORIGINS',"
    "'MIDDLEWARE', 'INSTALLED_APPS', 'AXES_FAILURE_LIMIT', 'AXES_LOCKOUT_PARAMETERS',"
    "'STATIC_ROOT']}, default=str))"
)


def settings_under(env, cwd):
    done = run([sys.executable, "-c", SHOW], env, cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_production_defaults(tmp_path):
    values = settings_under(machine_env(tmp_path), tmp_path)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    # README's environment puts the console behind a proxy.
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://console.example.com"]
    assert values["MIDDLEWARE"][1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    assert values["MIDDLEWARE"][-1] == "axes.middleware.AxesMiddleware"
    assert values["AXES_FAILURE_LIMIT"] == 5
    assert values["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]
    assert values["STATIC_ROOT"] == str(tmp_path / "static")


def test_without_the_proxy_variable_no_header_is_trusted(tmp_path):
    env = machine_env(tmp_path)
    del env["DJANGO_BEHIND_PROXY"]
    assert settings_under(env, tmp_path)["SECURE_PROXY_SSL_HEADER"] is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DJANGO_SECURE_HSTS_SECONDS", "a year"), ("AXES_COOLOFF_MINUTES", "-5")],
)
def test_numbers_must_be_whole_and_not_negative(tmp_path, variable, value):
    env = machine_env(tmp_path)
    env[variable] = value
    done = run([sys.executable, "-c", SHOW], env, tmp_path)
    assert done.returncode != 0
    assert f"The {variable} environment variable must be a whole number" in (
        done.stderr
    )


def test_the_development_console_keeps_plain_http_and_runserver_statics(tmp_path):
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_BEHIND_PROXY"):
        del env[name]
    env["DJANGO_DEBUG"] = "1"
    values = settings_under(env, tmp_path)
    assert values["DEBUG"] is True
    assert not values["SESSION_COOKIE_SECURE"] and not values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert "whitenoise.middleware.WhiteNoiseMiddleware" not in values["MIDDLEWARE"]


def test_the_test_suite_settings_need_neither_axes_nor_whitenoise():
    from django.conf import settings

    assert "axes" not in settings.INSTALLED_APPS
    assert not any("axes" in m or "whitenoise" in m for m in settings.MIDDLEWARE)


CLIENT_ADDRESS = (
    "import json, django; django.setup();"
    "from django.test import RequestFactory;"
    "from axes.helpers import get_client_ip_address;"
    "factory = RequestFactory(REMOTE_ADDR='127.0.0.1');"
    "plain = factory.get('/admin/login/');"
    "forged = factory.get('/admin/login/', headers={"
    "'X-Forwarded-For': '8.8.8.8, 203.0.113.7', 'X-Forwarded-Proto': 'https'});"
    "print(json.dumps({"
    "'plain': get_client_ip_address(plain),"
    "'forwarded': get_client_ip_address(forged),"
    "'secure': forged.is_secure()}))"
)


@pytest.mark.parametrize(
    ("behind_proxy", "expected"),
    [
        # The proxy appended 203.0.113.7; 8.8.8.8 is whatever the client sent.
        ("1", {"plain": "127.0.0.1", "forwarded": "203.0.113.7", "secure": True}),
        ("0", {"plain": "127.0.0.1", "forwarded": "127.0.0.1", "secure": False}),
    ],
)
def test_client_address_and_https_come_from_the_proxy_headers_only_behind_a_proxy(
    tmp_path, behind_proxy, expected
):
    env = machine_env(tmp_path, DJANGO_BEHIND_PROXY=behind_proxy)
    done = run([sys.executable, "-c", CLIENT_ADDRESS], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected


def test_the_systemd_web_unit_runs_the_documented_gunicorn_command():
    (web,) = [b for b in code_blocks("ini") if "notify-admin-web.service" in b]
    exec_start = re.search(r"^ExecStart=\S+/gunicorn (.*)$", web, flags=re.M)
    documented = gunicorn_command(8000)[1:]
    assert exec_start.group(1).split() == [
        "127.0.0.1:8000" if word.startswith("127.0.0.1:") else word
        for word in documented
    ]
    assert (
        REPO.joinpath("README.md")
        .read_text()
        .startswith("# notify_admin\n\n```sh\nmake demo    #")
    )
