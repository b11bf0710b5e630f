"""Benchmark: streaming an export of 100,000 notifications from the admin.

    .venv/bin/python bench/admin_scale.py      # seeds the database once (1M rows)
    .venv/bin/python bench/export_stream.py    # then this

Uses bench/admin_scale.py's PostgreSQL database (``BENCH_ADMIN_DB``, default
``notify_admin_bench_admin``), whose seed has exactly 100,000 OPTED_OUT notifications.
Each export runs in its own process: Django's test Client (logged in as a
superuser) posts the export form for the filtered changelist
(``?status__exact=OPTED_OUT``, CSV, every column), then reads the streamed
response chunk by chunk. Printed per export: rows, megabytes, time to the
first chunk, total time (and the process's own CPU time: on a loaded machine
the wall time also holds waiting for a CPU), and peak resident memory (VmHWM)
before the export and its growth during it. A smaller export (about 10,000
rows) shows that memory does not grow with the row count.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/notify_admin_bench_admin"


def vm_kb(name):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def worker(query, fmt):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from notify_admin.imports.notifications import NotificationResource
    from tests.support.csv_import import FORMAT_INDEX

    admin, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(admin)
    data = {"resource": "0", "format": FORMAT_INDEX[fmt]}
    for field in NotificationResource().get_export_order():
        data[f"notificationresource_{field}"] = "on"
    url = reverse("admin:notify_admin_notification_export")
    # Warm-up: imports, templates and the first query plan, not the export.
    b"".join(client.post(url + "?status__exact=OPTED_OUT&q=none-such", data))
    before = vm_kb("VmHWM")
    cpu = time.process_time()
    started = time.perf_counter()
    response = client.post(url + query, data)
    first = None
    size = rows = 0
    for chunk in response.streaming_content:
        if first is None:
            first = time.perf_counter() - started
        size += len(chunk)
        rows += chunk.count(b"\n") if fmt == "csv" else 0
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu
    print(
        json.dumps(
            {
                "rows": rows - 1 if fmt == "csv" else None,
                "mb": size / 1e6,
                "first_byte_s": first,
                "total_s": total,
                "cpu_s": cpu,
                "peak_rss_before_mb": before / 1024,
                "peak_rss_growth_mb": (vm_kb("VmHWM") - before) / 1024,
            }
        )
    )


def run(query, fmt="csv"):
    env = dict(os.environ, DATABASE_URL=os.environ.get("BENCH_ADMIN_DB", DEFAULT_DB))
    out = subprocess.run(
        [sys.executable, __file__, "--worker", query, fmt],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    import datetime

    since = (datetime.date.today() - datetime.timedelta(days=8)).isoformat()
    cases = [
        ("100,000 rows (OPTED_OUT)", "?status__exact=OPTED_OUT"),
        (
            "~10,000 rows (OPTED_OUT, last 8 days)",
            f"?status__exact=OPTED_OUT&scheduled_delivery__range__gte={since}",
        ),
    ]
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print(
        "| export (CSV) | rows | MB | first chunk | total (CPU) | peak RSS before "
        "| peak RSS growth |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, query in cases:
        r = run(query)
        print(
            f"| {name} | {r['rows']:,} | {r['mb']:.1f} | {r['first_byte_s']:.2f} s "
            f"| {r['total_s']:.1f} s ({r['cpu_s']:.1f} s) "
            f"| {r['peak_rss_before_mb']:.0f} MB "
            f"| {r['peak_rss_growth_mb']:.1f} MB |"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2], sys.argv[3])
    else:
        main()
