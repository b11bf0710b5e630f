"""Issue 25's console figures: start-up of a delivery run, the uncached dashboard.

Parts of bench/issue25.py (see there); each measures this checkout ("after")
and notify_admin before the issue (bench/before.py) in one run.
"""

import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench import before

REPO = Path(__file__).resolve().parents[1]
OURS = REPO / ".venv" / "bin" / "python"
ADMIN_DB = os.environ.get(
    "BENCH_ADMIN_DB", "postgres://postgres@127.0.0.1:5432/notify_admin_bench_admin"
)


STARTUP_SETUP = (
    "import time; t = time.perf_counter(); import django; django.setup(); "
    "print(time.perf_counter() - t)"
)


def timed_process(command, env, cwd):
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    out = process.stdout.read().decode()
    err = process.stderr.read().decode()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{command} failed:\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, out


def startup_of(python, tree, runs, workdir, name):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "notify_admin.site.settings",
        "SECRET_KEY": "bench-startup-not-secret-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{workdir}/{name}.sqlite3",
        "NOTIFY_ADMIN_HOME": str(tree),
    }
    env.pop("DJANGO_DEBUG", None)
    # As a deployment runs it: with its bytecode (see bench/systems.compiled).
    subprocess.run(
        [python, "-m", "compileall", "-q", "notify_admin", "manage.py"],
        cwd=tree,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [python, "manage.py", "migrate", "-v0"],
        env=env,
        cwd=tree,
        check=True,
        capture_output=True,
    )
    setup, command, cpu = [], [], []
    for _ in range(runs):
        setup.append(float(timed_process([python, "-c", STARTUP_SETUP], env, tree)[2]))
        wall, used, _out = timed_process(
            [python, "manage.py", "process_notifications"], env, tree
        )
        command.append(wall)
        cpu.append(used)
    return {
        "setup": statistics.median(setup),
        "command": statistics.median(command),
        "command_min": min(command),
        "cpu": statistics.median(cpu),
    }


# Django's own floor on this machine: set-up with only contenttypes and auth
# installed, and the management package every ``manage.py`` command imports.
DJANGO_FLOOR = (
    "import django; from django.conf import settings; settings.configure("
    "INSTALLED_APPS=['django.contrib.contenttypes', 'django.contrib.auth'], "
    "DATABASES={'default': {'ENGINE': 'django.db.backends.sqlite3', "
    "'NAME': ':memory:'}}); django.setup(); import django.core.management"
)


def django_floor(runs):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    walls, cpus = [], []
    for _ in range(runs):
        wall, used, _out = timed_process([OURS, "-c", DJANGO_FLOOR], env, REPO)
        walls.append(wall)
        cpus.append(used)
    return {
        "command": statistics.median(walls),
        "command_min": min(walls),
        "cpu": statistics.median(cpus),
    }


def part_startup(report, args):
    tree, python, commit = before.ensure()
    with tempfile.TemporaryDirectory() as workdir:
        found = {
            "after": startup_of(OURS, REPO, args.startup_runs, workdir, "after"),
            "before": startup_of(python, tree, args.startup_runs, workdir, "before"),
        }
    found["Django alone"] = django_floor(args.startup_runs)
    rows = [
        [
            name,
            f"{f['setup']:.3f} s" if "setup" in f else "–",
            f"{f['command']:.3f} s (min {f['command_min']:.3f})",
            f"{f['cpu']:.3f} s",
        ]
        for name, f in found.items()
    ]
    report.table(
        "Start-up of a delivery run with nothing due, the console's settings "
        f"(SQLite, DEBUG off), median of {args.startup_runs} fresh processes",
        ["code", "django.setup()", "whole command, wall", "whole command, CPU"],
        rows,
        "target: whole command ≤ 0.2 s; 'Django alone': django.setup() with "
        "contenttypes and auth only, and django.core.management, no command run",
    )
    report.data["startup"] = found


def dashboard_of(python, tree):
    env = {**os.environ, "BENCH_ADMIN_DB": ADMIN_DB, "BENCH_TREE": str(tree)}
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    out = subprocess.run(
        [python, REPO / "bench" / "dashboard_uncached.py", "--json", "--repeat", "7"],
        env=env,
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])["rows"]


def part_dashboard(report, args):
    subprocess.run(
        [OURS, REPO / "bench" / "admin_scale.py", "--seed-only"],
        env={**os.environ, "BENCH_ADMIN_DB": ADMIN_DB},
        cwd=REPO,
        check=True,
    )
    tree, python, commit = before.ensure()
    after = dashboard_of(OURS, REPO)
    old = dashboard_of(python, tree)
    before_by_name = {row["figure"]: row for row in old}
    rows = []
    for row in after:
        was = before_by_name.get(row["figure"], {})
        rows.append(
            [
                row["figure"],
                f"{row['wall_ms']:.0f} ms (max {row['max_ms']:.0f})",
                f"{row['cpu_ms']:.0f} + {row['sql_ms']:.0f} ms",
                f"{was.get('wall_ms', 0):.0f} ms (max {was.get('max_ms', 0):.0f})"
                if was
                else "–",
            ]
        )
    report.table(
        "The dashboard without its cache over 1,000,000 notifications (PostgreSQL)",
        ["figure", "after", "after: CPU + SQL", "before"],
        rows,
        "target: whole ≤ 300 ms; both on the same database (migrated by the "
        "after code: the before code also gets the index changes of 0013)",
    )
    report.data["dashboard"] = {"after": after, "before": old}
