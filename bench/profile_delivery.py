"""Where notify_admin's delivery spends its CPU, stage by stage.

    .venv/bin/python bench/profile_delivery.py
    .venv/bin/python bench/profile_delivery.py --email smtp
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432 \\
        .venv/bin/python bench/profile_delivery.py --database postgres

Seeds the benchmark's workload (N due emails, default 10,000) into a fresh
database, then runs ``process_notifications`` in this process with each stage
wrapped in a CPU-time counter (``time.thread_time`` of the thread running it):

- claim: the claiming UPDATE(s) and materialising the claimed rows;
- record: writing the outcomes and the attempt rows;
- send, of which Django's mail backend: the email channel's work, and inside
  it the backend's ``send_messages`` (MIME build, and for SMTP the protocol);
- start-up and the rest: process CPU not in a stage (Django set-up, the
  checks, the run row).

The channel sends over one connection here (concurrency 1) so that sending
runs in one thread and its CPU is counted; the engine's own stages are the
same as in ``bench/run.py``. Prints CPU seconds and shares; nothing is timed
against a target.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.fakes import smtp_sink_process  # noqa: E402

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
PG_DB = "bench_profile_delivery"


class Stage:
    def __init__(self, name):
        self.name = name
        self.cpu = 0.0

    def wrap(self, owner, attribute):
        real = getattr(owner, attribute)

        def timed(*args, **kwargs):
            start = time.thread_time()
            try:
                return real(*args, **kwargs)
            finally:
                self.cpu += time.thread_time() - start

        setattr(owner, attribute, timed)


def prepare(database, n, workdir):
    if database == "sqlite":
        url = f"sqlite:///{workdir}/profile.sqlite3"
    else:
        psql = ["psql", "-q", f"{PG_URL}/postgres", "-c"]
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {PG_DB}"], check=True)
        subprocess.run([*psql, f"CREATE DATABASE {PG_DB}"], check=True)
        url = f"{PG_URL}/{PG_DB}"
    env = {**os.environ, "BENCH_DATABASE_URL": url}
    driver = [sys.executable, str(REPO / "bench" / "driver.py"), "notify_admin"]
    subprocess.run([*driver, "migrate"], env=env, check=True)
    subprocess.run([*driver, "seed", "email", str(n)], env=env, check=True)
    return url


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--email", choices=["locmem", "smtp"], default="locmem")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        url = prepare(args.database, args.n, workdir)
        os.environ["BENCH_DATABASE_URL"] = url
        os.environ["BENCH_EMAIL"] = args.email
        if args.email == "locmem":
            report(args)
            return
        with smtp_sink_process() as sink:
            os.environ["BENCH_SMTP_PORT"] = str(sink["port"])
            report(args)


def report(args):
    process_start = time.process_time()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.sites.notify_admin"
    import django

    django.setup()
    from django.conf import settings
    from django.core.mail import get_connection
    from django.core.management import call_command

    from notify_admin import delivery
    from notify_admin.models import Notification

    settings.NOTIFICATION_SYSTEM_TARGETS["email"]["concurrency"] = 1
    stages = [Stage(name) for name in ("claim", "record", "send", "mail backend")]
    claim, record, send, backend = stages
    claim.wrap(delivery.claims, "claim_due")
    record.wrap(delivery.recording, "record_batch")
    send.wrap(delivery.sending.RunChannels, "send_groups")
    backend.wrap(type(get_connection()), "send_messages")

    wall = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("process_notifications", stdout=quiet)
    wall = time.perf_counter() - wall
    total = time.process_time() - process_start
    delivered = Notification.objects.filter(status=Notification.DELIVERED).count()
    if delivered != args.n:
        raise SystemExit(f"FAIL: {delivered} of {args.n} delivered")

    rest = total - claim.cpu - record.cpu - send.cpu
    print(
        f"process_notifications, {args.n:,} emails, {args.email}, {args.database}: "
        f"{total:.2f} s CPU in this process, run {wall:.2f} s wall"
    )
    rows = [
        ("claim (UPDATE + claimed rows as models)", claim.cpu),
        ("record (UPDATEs + attempt INSERT)", record.cpu),
        ("send: the email channel", send.cpu - backend.cpu),
        ("send: Django's mail backend send_messages", backend.cpu),
        ("start-up, checks, run row, rest", rest),
    ]
    for label, cpu in rows:
        print(
            f"  {label:44} {cpu:6.2f} s  {cpu / total:5.1%}  "
            f"{cpu / args.n * 1e6:6.0f} us/notification"
        )


if __name__ == "__main__":
    main()
