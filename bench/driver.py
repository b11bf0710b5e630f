"""Runs inside one system's virtualenv: migrate, seed, deliver, report.

    python bench/driver.py SYSTEM migrate
    python bench/driver.py SYSTEM seed CHANNEL N
    python bench/driver.py SYSTEM seed-records CHANNEL N
    python bench/driver.py SYSTEM deliver [--count-sql FILE] [--outbox FILE]
    python bench/driver.py SYSTEM stats

``deliver`` is the timed process: Django start-up plus the system's own
delivery command (what cron would run), nothing else. With --outbox it then
writes the recipients of the locmem outbox (to check exactly-once delivery);
with --count-sql it counts every SQL statement on every connection;
``--processes N`` runs the command with its own ``--processes N`` (notify_admin
and django-post-office).

``BENCH_TREE`` (default: this checkout) is the checkout whose code runs: the
benchmark runs notify_admin as it was before a change from a worktree of that
commit (bench/before.py), with this driver.
"""

import json
import os
import sys
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path

sys.path.insert(
    0, os.environ.get("BENCH_TREE") or str(Path(__file__).resolve().parents[1])
)

SYSTEM = sys.argv[1]
os.environ["DJANGO_SETTINGS_MODULE"] = f"bench.sites.{SYSTEM}"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.sqlcount import count_statements  # noqa: E402
from bench.workload import address  # noqa: E402

COMMANDS = {
    "notify_admin": ["process_notifications"],
    "dns": ["process_notifications"],
    "post_office": ["send_queued_mail"],
}
DELIVERED = {"notify_admin": "DELIVERED", "dns": "DELIVERED", "post_office": 0}


def seed(channel, n, notifications=True):
    n = int(n)
    past = timezone.now() - timedelta(minutes=5)
    User = get_user_model()
    User.objects.bulk_create(
        [User(username=f"u{i}", email=address("email", i)) for i in range(n)],
        batch_size=2000,
    )
    if SYSTEM == "post_office":
        # Queued as its users queue mail: mail.send_many() (one bulk INSERT),
        # default settings; like every system's rows, outside the timed part.
        from post_office import mail as post_office_mail

        post_office_mail.send_many(
            [
                {
                    "sender": "bench@bench.example.com",
                    "recipients": [address("email", i)],
                    "subject": f"bench {i}",
                    "message": f"Hello u{i}, this is benchmark message {i}.",
                }
                for i in range(n)
            ]
        )
        return
    if SYSTEM == "dns":
        from django_notification_system.models import (
            Notification,
            NotificationTarget,
            TargetUserRecord,
        )

        record_field = "target_user_record"
    else:
        from notify_admin.models import (
            Notification,
            NotificationTarget,
            TargetUserRecord,
        )

        record_field = "user_target"
    target = NotificationTarget.objects.get(notification_module_name=channel)
    users = list(User.objects.order_by("username").values_list("id", "username"))
    users.sort(key=lambda u: int(u[1][1:]))
    TargetUserRecord.objects.bulk_create(
        [
            TargetUserRecord(
                user_id=uid,
                target=target,
                target_user_id=address(channel, i),
                description=f"bench {i}",
                active=True,
            )
            for i, (uid, _name) in enumerate(users)
        ],
        batch_size=2000,
    )
    if not notifications:
        return
    records = dict(
        TargetUserRecord.objects.values_list("target_user_id", "id").iterator()
    )
    Notification.objects.bulk_create(
        [
            Notification(
                **{record_field + "_id": records[address(channel, i)]},
                title=f"bench {i}",
                body=f"Hello u{i}, this is benchmark message {i}.",
                extra={},
                status="SCHEDULED",
                scheduled_delivery=past,
            )
            for i in range(n)
        ],
        batch_size=2000,
    )


def deliver(argv):
    count_file = outbox_file = None
    if "--count-sql" in argv:
        count_file = argv[argv.index("--count-sql") + 1]
    if "--outbox" in argv:
        outbox_file = argv[argv.index("--outbox") + 1]
    command = list(COMMANDS[SYSTEM])
    if "--processes" in argv:
        command += ["--processes", argv[argv.index("--processes") + 1]]
    counting = count_statements() if count_file else nullcontext()
    with counting as counter, open(os.devnull, "w") as quiet:
        call_command(*command, stdout=quiet, stderr=sys.stderr)
    if count_file:
        result = {
            "statements": counter.statements,
            "peak_rss_kb": peak_rss_kb(),
            "configuration": configuration(argv),
        }
        Path(count_file).write_text(json.dumps(result))
    if outbox_file:
        outbox = getattr(mail, "outbox", [])
        Path(outbox_file).write_text(
            json.dumps([addr for message in outbox for addr in message.to])
        )


def configuration(argv):
    """How this system ran, read from its own settings (printed with its row)."""
    channel = argv[argv.index("--channel") + 1] if "--channel" in argv else ""
    if SYSTEM == "post_office":
        from post_office import settings as po

        return (
            "send_queued_mail, 1 process; queued with mail.send_many(); "
            "POST_OFFICE defaults but BACKENDS: "
            f"BATCH_SIZE={po.get_batch_size()}, "
            f"THREADS_PER_PROCESS={po.get_threads_per_process()}, "
            f"LOG_LEVEL={po.get_log_level()}"
        )
    if SYSTEM == "dns":
        return (
            "process_notifications, no tuning settings exist: one notification "
            "at a time, each in its own transactions"
        )
    from notify_admin import conf
    from notify_admin.channels import get_channel

    text = f"process_notifications, defaults: BATCH_SIZE={conf.batch_size()}"
    if channel:
        concurrency = getattr(get_channel(channel), "concurrency", None)
        concurrency = concurrency() if callable(concurrency) else concurrency
        if concurrency:
            text += f", {channel} concurrency={concurrency}"
    return text


def peak_rss_kb():
    """This process's own peak resident set size (VmHWM), in kB.

    Not ``ru_maxrss``: Linux carries a process's high-water mark across
    fork and exec, so a child's ``ru_maxrss`` is at least its parent's size
    when it was started (here, the benchmark runner holding a fake server's
    record of 10,000 messages). VmHWM belongs to the address space that
    exec created.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def stats():
    if SYSTEM == "post_office":
        from post_office.models import Email as Model
    elif SYSTEM == "dns":
        from django_notification_system.models import Notification as Model
    else:
        from notify_admin.models import Notification as Model
    counts = {}
    for status in Model.objects.values_list("status", flat=True).iterator():
        counts[str(status)] = counts.get(str(status), 0) + 1
    print(json.dumps({"counts": counts, "delivered": str(DELIVERED[SYSTEM])}))


if __name__ == "__main__":
    action = sys.argv[2]
    if action == "migrate":
        call_command("migrate", verbosity=0, interactive=False)
    elif action == "seed":
        seed(sys.argv[3], sys.argv[4])
    elif action == "seed-records":
        # Users with an active record each, nothing due (bench/startup.py).
        seed(sys.argv[3], sys.argv[4], notifications=False)
    elif action == "deliver":
        # dns prints two lines per notification; its cost stays in the figures,
        # but the output goes nowhere.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        deliver(sys.argv[3:])
    elif action == "stats":
        stats()
    else:
        raise SystemExit(f"unknown action {action!r}")
