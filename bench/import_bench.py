"""Benchmark: import 10,000 target user records through the admin and the command.

    .venv/bin/python bench/import_bench.py [--rows 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mydb \
        .venv/bin/python bench/import_bench.py

Always runs on a temporary SQLite database; with DATABASE_URL it also runs on
that database (its bench users and their records are deleted afterwards).
For each database it creates the users and a CSV of one address per user
(email, phone and push token in turn), then imports the file:

- admin path: Django's test Client logs in, uploads the file (dry run and
  preview) and confirms it, exactly as a person in the admin would;
- command path: ``manage.py import_target_user_records FILE`` in-process.

Each path runs in its own worker process; the figures are rows/second and the
worker's peak resident memory (``ru_maxrss``), given both as the whole
process's peak and as the growth over the peak after Django started and the
data was prepared. Nothing here is asserted: it prints figures.
"""

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "bench-import-"


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def peak_rss_mb():
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def address(i):
    kind = i % 3
    if kind == 0:
        return "Email", f"{PREFIX}{i}@example.com"
    if kind == 1:
        return "Twilio", f"+442071{i % 1000000:06d}"  # valid London numbers
    return "Expo", f"ExponentPushToken[{PREFIX}{i}]"


def prepare(rows, csv_path):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    User = get_user_model()
    cleanup()
    User.objects.bulk_create(
        User(username=f"{PREFIX}{i:05d}", email=f"{PREFIX}{i}@example.com")
        for i in range(rows)
    )
    User.objects.create_superuser(f"{PREFIX}admin", "", "bench")
    with open(csv_path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user", "target", "target_user_id", "description", "active"])
        for i in range(rows):
            target, value = address(i)
            writer.writerow([f"{PREFIX}{i:05d}", target, value, f"row {i}", "1"])


def delete_records():
    from notify_admin.models import TargetUserRecord

    TargetUserRecord.objects.filter(user__username__startswith=PREFIX).delete()


def cleanup():
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth import get_user_model

    delete_records()
    LogEntry.objects.filter(user__username__startswith=PREFIX).delete()
    get_user_model().objects.filter(username__startswith=PREFIX).delete()


def run_admin(csv_path):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()  # exposes response.context (the confirm form)
    client = Client()
    client.force_login(get_user_model().objects.get(username=f"{PREFIX}admin"))
    with open(csv_path, "rb") as fh:
        start = time.perf_counter()
        preview = client.post(
            reverse("admin:notify_admin_targetuserrecord_import"),
            {
                "resource": "0",
                "format": "0",
                "user_field": "username",
                "import_file": fh,
            },
        )
    dry_run = time.perf_counter() - start
    if "confirm_form" not in preview.context:
        result = preview.context.get("result")
        errors = result.line_errors[:5] if result else preview.context["form"].errors
        raise SystemExit(f"admin dry run reported errors: {errors}")
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    start = time.perf_counter()
    done = client.post(
        reverse("admin:notify_admin_targetuserrecord_process_import"), data
    )
    confirm = time.perf_counter() - start
    if done.status_code != 302:
        raise SystemExit(f"admin confirm failed: {done.status_code}")
    return {"dry_run_s": dry_run, "confirm_s": confirm, "seconds": dry_run + confirm}


def run_command(csv_path):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    start = time.perf_counter()
    call_command("import_target_user_records", str(csv_path), stdout=out)
    seconds = time.perf_counter() - start
    summary = [line for line in out.getvalue().splitlines() if "row(s):" in line]
    return {"seconds": seconds, "summary": summary[-1] if summary else ""}


def worker(args):
    setup_django(args.database_url)
    if args.worker == "prepare":
        prepare(args.rows, args.csv)
        return {}
    if args.worker == "cleanup":
        cleanup()
        return {}
    from notify_admin.models import TargetUserRecord

    delete_records()
    baseline = peak_rss_mb()
    run = run_admin if args.worker == "admin" else run_command
    result = run(args.csv)
    created = TargetUserRecord.objects.filter(user__username__startswith=PREFIX)
    result.update(
        rows=args.rows,
        imported=created.count(),
        peak_rss_mb=peak_rss_mb(),
        growth_mb=peak_rss_mb() - baseline,
    )
    return result


def spawn(step, database_url, rows, csv_path):
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        step,
        "--database-url",
        database_url,
        "--rows",
        str(rows),
        "--csv",
        str(csv_path),
    ]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{step} worker failed on {database_url}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(label, database_url, rows, workdir, keep_data):
    csv_path = Path(workdir) / "records.csv"
    spawn("prepare", database_url, rows, csv_path)
    print(f"{label}: {rows} rows, {csv_path.stat().st_size / 1e6:.1f} MB CSV")
    try:
        for step in ("admin", "command"):
            r = spawn(step, database_url, rows, csv_path)
            extra = (
                f" (dry run {r['dry_run_s']:.1f} s + confirm {r['confirm_s']:.1f} s)"
                if step == "admin"
                else ""
            )
            print(
                f"  {step:7} {r['rows'] / r['seconds']:8.0f} rows/s  "
                f"{r['seconds']:6.1f} s{extra}; imported {r['imported']}; "
                f"peak RSS {r['peak_rss_mb']:.0f} MB "
                f"(+{r['growth_mb']:.0f} MB over the prepared process)"
            )
    finally:
        if not keep_data:
            spawn("cleanup", database_url, rows, csv_path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return
    with tempfile.TemporaryDirectory(prefix="import-bench-") as workdir:
        sqlite_url = f"sqlite:///{workdir}/bench.sqlite3"
        bench("SQLite (temporary)", sqlite_url, args.rows, workdir, keep_data=True)
        if os.environ.get("DATABASE_URL"):
            url = os.environ["DATABASE_URL"]
            bench(url.split("@")[-1], url, args.rows, workdir, keep_data=False)
    print("memory: ru_maxrss of each worker process (Linux, whole process).")


if __name__ == "__main__":
    main()
