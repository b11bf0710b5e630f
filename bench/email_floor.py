"""What one email costs inside Django's own mail API, with no queue around it.

    .venv/bin/python bench/email_floor.py            # 3,000 messages per backend
    .venv/bin/python bench/email_floor.py --n 10000

Every Django email queue (notify_admin, django-post-office, the original
package) hands each message to a Django mail backend, and the backend builds
the MIME message (``EmailMessage.message()``), sanitizes the addresses and,
for SMTP, serialises and sends it. This script measures that cost alone, one
message after another in one thread, for:

- ``locmem``: Django's locmem backend (builds the message, keeps a copy);
- ``smtp``: Django's SMTP backend over one connection to an aiosmtpd sink on
  127.0.0.1 that runs in a process of its own (so it does not share this
  process's CPU time or GIL) and records only the envelope.

It prints CPU microseconds per message (``time.process_time``) and wall time,
and the CPU seconds that N messages cost before any database work: the floor
under any Django email queue's delivery time on this machine.
"""

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.fakes import smtp_sink_process  # noqa: E402


def messages(n):
    from email.utils import make_msgid

    from django.core.mail import EmailMessage

    return [
        EmailMessage(
            subject=f"bench {i}",
            body=f"Hello u{i}, this is benchmark message {i}.",
            from_email="bench@bench.example.com",
            to=[f"user{i}@bench.example.com"],
            headers={"Message-ID": make_msgid(domain="notify-admin")},
        )
        for i in range(n)
    ]


def timed(connection, batch):
    connection.open()
    wall, cpu = time.perf_counter(), time.process_time()
    for message in batch:
        connection.send_messages([message])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    connection.close()
    return wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="messages per backend")
    parser.add_argument(
        "--floor-for", type=int, default=10000, help="N for the floor line"
    )
    parser.add_argument("--json", action="store_true", help="one JSON line")
    args = parser.parse_args()

    import django
    from django.conf import settings

    settings.configure(DEFAULT_FROM_EMAIL="bench@bench.example.com")
    django.setup()
    from django.core.mail.backends.locmem import EmailBackend as Locmem
    from django.core.mail.backends.smtp import EmailBackend as SMTP

    results = {}
    results["locmem"] = timed(Locmem(), messages(args.n))
    with smtp_sink_process() as sink:
        results["smtp"] = timed(
            SMTP(host="127.0.0.1", port=sink["port"], timeout=30), messages(args.n)
        )
    received = sink["received"]
    if received != args.n:
        raise SystemExit(f"FAIL: the sink received {received} of {args.n} messages")

    if args.json:
        print(
            json.dumps(
                {
                    name: {"cpu_us": cpu / args.n * 1e6, "wall_us": wall / args.n * 1e6}
                    for name, (wall, cpu) in results.items()
                }
            )
        )
        return
    print(f"Django's mail API alone, {args.n:,} messages, one thread:")
    print(f"{'backend':8} {'CPU us/msg':>11} {'wall us/msg':>12} {'CPU s floor':>12}")
    for name, (wall, cpu) in results.items():
        floor = cpu / args.n * args.floor_for
        print(
            f"{name:8} {cpu / args.n * 1e6:11.0f} {wall / args.n * 1e6:12.0f} "
            f"{floor:9.2f} s for {args.floor_for:,}"
        )


if __name__ == "__main__":
    main()
