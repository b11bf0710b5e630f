"""The systems under benchmark: their virtualenvs, checkouts and the driver.

Each system runs in its own virtualenv under bench/.venvs (created on first
use; the peers come from PyPI), "before" in bench/.work/before-venv
(bench/before.py); every one runs bench/driver.py, with ``BENCH_TREE``
naming the checkout whose code runs.
"""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
VENVS = BENCH / ".venvs"

COMMON = ["dj-database-url>=2.1", "psycopg[binary]>=3.1"]
REQUIREMENTS = {
    "notify_admin": ["-e", str(REPO), *COMMON],
    # Pinned as PEERS.md describes: it resolves exponent_server_sdk 0.3.1.
    "dns": [
        "Django>=5.2,<5.3",
        "django-notification-system==1.5.3",
        "twilio>=9,<10",
        *COMMON,
    ],
    "post_office": ["Django>=5.2,<5.3", "django-post-office>=3.12,<4", *COMMON],
}


def venv_python(system):
    if system == "before":
        from bench import before

        return compiled(before.ensure()[1], system)
    python = VENVS / system / "bin" / "python"
    marker = VENVS / system / ".requirements"
    wanted = hashlib.sha256(json.dumps(REQUIREMENTS[system]).encode()).hexdigest()
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return compiled(python, system)
    print(f"  installing {system} into {VENVS / system} ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "venv", "--clear", VENVS / system], check=True
    )
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *REQUIREMENTS[system]], check=True)
    marker.write_text(wanted)
    return compiled(python, system)


def compiled(python, system):
    """``python``, once notify_admin's own modules (a checkout, not installed
    into site-packages) have their bytecode: as a deployment's would after
    its first run. Where PYTHONDONTWRITEBYTECODE is set (CI images often do)
    every run would otherwise compile them again, about 40 ms of start-up
    the peers, compiled by pip at install, never pay."""
    if system in ("notify_admin", "before"):
        tree = tree_of(system)
        subprocess.run(
            [python, "-m", "compileall", "-q", tree / "notify_admin", tree / "bench"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return python


def tree_of(system):
    """The checkout whose code a system runs (its own for "before")."""
    if system == "before":
        from bench import before

        return before.TREE
    return REPO


def driver_env(system, env, url):
    full_env = {**os.environ, **(env or {}), "BENCH_DATABASE_URL": url}
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    if system == "before":
        full_env["BENCH_TREE"] = str(tree_of(system))
    return full_env


def driver_system(system):
    return "notify_admin" if system == "before" else system


def driver(python, system, *args, url, env=None, capture=False):
    return subprocess.run(
        [python, BENCH / "driver.py", driver_system(system), *args],
        check=True,
        env=driver_env(system, env, url),
        cwd=tree_of(system),
        capture_output=capture,
        text=True,
    )
