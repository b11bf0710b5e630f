"""The dashboard's figures computed without its cache, over a million rows.

    .venv/bin/python bench/dashboard_uncached.py        # after bench/admin_scale.py
    BENCH_ADMIN_DB=postgres://postgres@127.0.0.1:5432/other \\
        .venv/bin/python bench/dashboard_uncached.py --repeat 9

What a staff member pays once per NOTIFICATION_SYSTEM_DASHBOARD_CACHE_SECONDS
over a big table: ``compute_dashboard()`` (every figure of the notify_admin
app page, no cache) on the database ``bench/admin_scale.py`` seeded, one
warm-up, then the median and max of ``--repeat`` calls, with this process's
CPU and the time spent in SQL, and the same split per figure. Run from
another checkout's virtualenv with ``BENCH_TREE`` set to that checkout, it
measures that checkout's dashboard (``bench/issue25.py`` does so for the code
before issue 25). Prints one JSON line with ``--json``.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

TREE = Path(os.environ.get("BENCH_TREE") or Path(__file__).resolve().parents[1])
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/notify_admin_bench_admin"
TARGET_MS = 300


def setup(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    sys.path.insert(0, str(TREE))
    import django

    django.setup()


def timed(function, *args):
    """``(result, wall ms, CPU ms, SQL ms, queries)``."""
    from django.db import connection

    sql = []

    def wrapper(execute, *params):
        started = time.perf_counter()
        try:
            return execute(*params)
        finally:
            sql.append(time.perf_counter() - started)

    with connection.execute_wrapper(wrapper):
        cpu, wall = time.process_time(), time.perf_counter()
        result = function(*args)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return result, wall * 1000, cpu * 1000, sum(sql) * 1000, len(sql)


def parts():
    """The figures, each as the dashboard computes it (where they exist)."""
    from django.utils import timezone

    from notify_admin.admin import dashboard

    now = timezone.now()
    found = [
        ("status x target", dashboard.status_by_target, ()),
        ("due now", lambda: dashboard.Notification.objects.due(now).count(), ()),
        ("last 24 hours", dashboard.last_24_hours, (now,)),
        ("latest run", dashboard.latest_run, ()),
        ("14-day chart", dashboard.daily_outcomes, (now,)),
    ]
    if hasattr(dashboard, "feedback_panel"):
        found.append(("feedback panel", dashboard.feedback_panel, (now,)))
    return [("whole (compute_dashboard)", dashboard.compute_dashboard, ())] + found


def measure(repeat):
    rows = []
    for name, function, args in parts():
        function(*args)  # warm-up
        runs = [timed(function, *args)[1:] for _ in range(repeat)]
        walls = [r[0] for r in runs]
        rows.append(
            {
                "figure": name,
                "wall_ms": round(statistics.median(walls), 1),
                "max_ms": round(max(walls), 1),
                "cpu_ms": round(statistics.median(r[1] for r in runs), 1),
                "sql_ms": round(statistics.median(r[2] for r in runs), 1),
                "queries": runs[-1][3],
            }
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("BENCH_ADMIN_DB", DEFAULT_DB)
    setup(url)
    from notify_admin.models import Notification

    rows = measure(args.repeat)
    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"rows": rows, "load": load, "tree": str(TREE)}))
        return
    print(
        f"{Notification.objects.count():,} notifications in {url.rsplit('/', 1)[1]}; "
        f"{TREE}; load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    print("| figure | wall, median (max) | CPU + SQL | queries |")
    print("| --- | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['figure']} | {row['wall_ms']:.0f} ms ({row['max_ms']:.0f}) | "
            f"{row['cpu_ms']:.0f} + {row['sql_ms']:.0f} ms | {row['queries']} |"
        )


if __name__ == "__main__":
    main()
