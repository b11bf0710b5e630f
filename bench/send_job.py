"""Benchmark: a send job of 100,000 rows on PostgreSQL (issue 24).

    .venv/bin/python bench/send_job.py                      # 10k, 50k, 100k rows
    .venv/bin/python bench/send_job.py --sizes 100000 --repeat 3
    BENCH_SEND_JOB_DB=postgres://postgres@127.0.0.1:5432/other \
        .venv/bin/python bench/send_job.py

Its own PostgreSQL database (default ``notify_admin_bench_send_job``, created
on first use and migrated): 100,000 users with one active email address each
and one template whose email has a subject, a text and an HTML part using
three placeholders from the file (and ``first_name`` from the user). For
each size a CSV file of that many rows (``user``, ``name``, ``code``,
``order``) is written, then a fresh child process (so that one size's memory
cannot hide another's) times:

- **check**: ``check_file`` on the file (read, decode, look the users up,
  render and measure every row);
- **create**: ``prepare_job`` (the file stored with the job) and ``start``
  in this process (``background=False``: what a worker or ``process_send_jobs``
  does), i.e. every notification rendered and inserted in one transaction;

and reports the child's peak resident memory (``ru_maxrss``) after Django
started and the template was loaded, after the check, and after the
creation, and Python's own peak allocation during each step (tracemalloc, in
a second run of the same step, as tracing slows it down). Targets (the
issue's): check <= 10 s, create <= 20 s, memory flat in the row count.
Nothing is asserted.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/notify_admin_bench_send_job"
PREFIX = "bench-job-"
TEMPLATE_KEY = "bench_parcel"
CONTENT = {
    "email_subject": "Order ((order)) for ((name))",
    "email_text": (
        "Hello ((first_name)),\n\nYour parcel ((order)) is ready. Your pick-up "
        "code is ((code)).\n\nThank you, ((name))."
    ),
    "email_html": (
        "<h1>Hello ((first_name))</h1><p>Your parcel <b>((order))</b> is ready."
        "</p><p>Pick-up code: <code>((code))</code></p>"
    ),
}


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()


def ensure_database(url):
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')


def seed(n):
    """``n`` bench users with an email address each, and the template."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from notify_admin.models import (
        NotificationTarget,
        NotificationTemplate,
        TargetUserRecord,
    )

    call_command("migrate", verbosity=0)
    User = get_user_model()
    have = User.objects.filter(username__startswith=PREFIX).count()
    if have < n:
        print(f"seeding {n - have:,} users ...", flush=True)
        email = NotificationTarget.objects.get(notification_module_name="email")
        batch = 5000
        for start in range(have, n, batch):
            users = User.objects.bulk_create(
                User(
                    username=f"{PREFIX}{i}",
                    email=f"{PREFIX}{i}@example.com",
                    first_name=f"First{i}",
                    password="!",
                )
                for i in range(start, min(n, start + batch))
            )
            TargetUserRecord.objects.bulk_create(
                TargetUserRecord(
                    user=user, target=email, target_user_id=user.email, active=True
                )
                for user in users
            )
    from django.db import connection

    # As autovacuum would after a bulk load: the planner's statistics.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    template, _ = NotificationTemplate.objects.get_or_create(
        key=TEMPLATE_KEY, defaults={"name": "Bench parcel"}
    )
    template.save_content(CONTENT, "en")
    return template


def write_file(n, folder):
    path = Path(folder) / f"send_job_{n}.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("user,name,code,order\r\n")
        for i in range(n):
            out.write(f"{PREFIX}{i},Name {i},C{i:06d},ORD-{i:07d}\r\n")
    return path


def clear():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notify_admin_notification, notify_admin_sendjobchunk, "
            "notify_admin_sendjob CASCADE"
        )


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(url, path, trace):
    """One size, in its own process: prints one JSON line."""
    setup_django(url)
    import tracemalloc

    from django.conf import settings
    from django.contrib.auth import get_user_model

    from notify_admin.jobs import check_file, prepare_job, start
    from notify_admin.models import NotificationTemplate

    # Approval is a person's step: not part of what is timed.
    settings.NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD = None
    template = NotificationTemplate.objects.get(key=TEMPLATE_KEY)
    template.current_versions()
    by = get_user_model().objects.filter(username__startswith=PREFIX).first()
    clear()
    result = {"rss_start": rss_mb()}
    if trace:
        tracemalloc.start()
    began = time.perf_counter()
    check = check_file(path, template)
    result["check"] = time.perf_counter() - began
    if trace:
        result["check_peak"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.reset_peak()
    result["rss_check"] = rss_mb()
    assert check.ok, [str(p) for p in check.errors[:5]]
    began = time.perf_counter()
    job = prepare_job(check, path, template=template, by=by)
    result["prepare"] = time.perf_counter() - began
    began = time.perf_counter()
    job = start(job, background=False)
    result["create"] = time.perf_counter() - began
    if trace:
        result["create_peak"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    result["rss_create"] = rss_mb()
    result["rows"] = check.row_count
    result["created"] = job.created_count
    clear()
    print(json.dumps(result))


def run_child(url, path, trace):
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            str(path),
            *(["--trace"] if trace else []),
        ],
        env={**os.environ, "BENCH_SEND_JOB_DB": url},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000]
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_SEND_JOB_DB", DEFAULT_DB)
    if args.child:
        return child(url, args.child, args.trace)
    ensure_database(url)
    setup_django(url)
    seed(max(args.sizes))
    print(
        f"{'rows':>8} {'check s':>8} {'create s':>9} {'prepare s':>10} "
        f"{'RSS start':>10} {'+check':>7} {'+create':>8} "
        f"{'py peak check':>14} {'py peak create':>15}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            path = write_file(size, folder)
            runs = [run_child(url, path, False) for _ in range(args.repeat)]
            traced = run_child(url, path, True)
            check = statistics.median(r["check"] for r in runs)
            create = statistics.median(r["create"] for r in runs)
            prepare = statistics.median(r["prepare"] for r in runs)
            last = runs[-1]
            assert last["created"] == size, last
            print(
                f"{size:>8,} {check:>8.2f} {create:>9.2f} {prepare:>10.2f} "
                f"{last['rss_start']:>8.0f}MB "
                f"{last['rss_check'] - last['rss_start']:>5.0f}MB "
                f"{last['rss_create'] - last['rss_start']:>6.0f}MB "
                f"{traced['check_peak']:>12.1f}MB {traced['create_peak']:>13.1f}MB",
                flush=True,
            )
    print(
        "targets: check <= 10 s, create <= 20 s for 100,000 rows; memory flat "
        "in the row count. RSS: growth of the child's peak over its start; "
        "py peak: tracemalloc's peak during the step (a separate, traced run)."
    )


if __name__ == "__main__":
    main()
