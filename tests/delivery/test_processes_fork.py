"""--processes forks its children from a single-threaded parent, else spawns.

Forked children start with Django set up (no new interpreter on the clock);
the parent closes its connections first, so no connection crosses the fork.
A parent running other threads spawns, since a thread holding a lock at the
fork would leave it held in the child.
"""

import json
import os
import threading
from pathlib import Path

import pytest

from notify_admin import processes
from tests.support.processes import run_script

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, multiprocessing, io
import django
django.setup()
from django.core.management import call_command
from django.db import connections
call_command("migrate", verbosity=0)
connections["default"].ensure_connection()
methods = []
real = multiprocessing.get_context
def recording(method=None):
    methods.append(method)
    return real(method)
multiprocessing.get_context = recording
out = io.StringIO()
call_command("process_notifications", "--processes", "2", stdout=out)
print(json.dumps({
    "methods": methods,
    "out": out.getvalue(),
    "parent connection open": connections["default"].connection is not None,
}))
"""


@pytest.mark.slow
def test_a_single_threaded_parent_forks_its_children_with_no_connection_open(
    tmp_path,
):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.subprocess_settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fork.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    lines = run_script(SCRIPT, env)
    seen = json.loads(lines[-1])
    assert seen["methods"] == ["fork"]
    assert "total of 2 processes: delivered=0 " in seen["out"]
    # The parent's connection was closed before the children were forked.
    assert seen["parent connection open"] is False


def test_a_parent_running_other_threads_spawns():
    assert processes.can_fork() == (threading.active_count() == 1)
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert processes.can_fork() is False
    finally:
        stop.set()
        worker.join()
