"""Benchmark: a 60-second provider outage, with and without the circuit breaker.

    .venv/bin/python bench/outage.py                    # 503s, breaker on and off
    .venv/bin/python bench/outage.py --fault timeout    # the provider hangs instead
    .venv/bin/python bench/outage.py --modes on         # one scenario

A fake Twilio on 127.0.0.1 (tests/support/fakes) takes SMS for 5 s, then
answers every request with 503 (or never answers within the client's 1 s
time-out) for 60 s, then recovers. Meanwhile 10 new SMS fall due every
second (``max_retries`` 3, retried 10 s later) and a cron run
(``deliver_due()``, the default 16 requests in flight) starts every 3 s. The
run ends once every row is delivered (or 120 s after the outage).

Printed per scenario: the rows whose retries were spent during the outage
(an attempt recorded between its start and end), rows failed for good,
rows lost (never 0 expected: a row neither delivered nor still open), the
breaker's trips, and the seconds from the end of the outage to the first
SMS delivered after it. With the breaker the expected bound is the threshold
plus what was in flight at each trip (16) plus one probe a back-off.

Its own SQLite database in a temporary directory (``BENCH_OUTAGE_DB`` for
another URL). Nothing is asserted.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUTAGE_START = 5.0
OUTAGE_SECONDS = 60.0
TICK = 1.0
RUN_EVERY = 3
NEW_PER_TICK = 10
RETRY_AFTER = 10
TRIPS = {}


class TripCounter:
    """Counts the engine's "circuit open" log lines."""

    level = 0

    def handle(self, record):
        if getattr(record, "event", "") == "circuit open":
            TRIPS["n"] = TRIPS.get("n", 0) + 1


def setup(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def scenario(mode, fault):
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from notify_admin.delivery import deliver_due
    from notify_admin.models import (
        DeliveryAttempt,
        DeliveryRun,
        Notification,
        NotificationTarget,
        TargetBackoff,
        TargetUserRecord,
    )
    from tests.support.fakes import FakeTwilioServer

    for model in (DeliveryAttempt, Notification, TargetUserRecord, DeliveryRun):
        model.objects.all().delete()
    TargetBackoff.objects.all().delete()
    get_user_model().objects.filter(username__startswith="outage").delete()
    target = NotificationTarget.objects.get(notification_module_name="twilio")
    settings.NOTIFICATION_SYSTEM_BREAKER_THRESHOLD = 10 if mode == "on" else 0

    counter = {"n": 0}

    def new_rows(count):
        users = get_user_model().objects.bulk_create(
            get_user_model()(username=f"outage{counter['n'] + i}") for i in range(count)
        )
        records = TargetUserRecord.objects.bulk_create(
            TargetUserRecord(
                user=user,
                target=target,
                target_user_id=f"+1415{(counter['n'] + i) % 10_000_000:07d}",
            )
            for i, user in enumerate(users)
        )
        counter["n"] += count
        Notification.objects.bulk_create(
            Notification(
                user_target=record,
                title="t",
                body="Your code is 1234",
                scheduled_delivery=timezone.now(),
                retry_time_interval=RETRY_AFTER,
                max_retries=3,
            )
            for record in records
        )

    with FakeTwilioServer(latency=0.02) as sms:
        targets = settings.NOTIFICATION_SYSTEM_TARGETS
        targets["twilio_sms"].update({"base_url": sms.url, "timeout": 1})
        started = time.monotonic()
        outage = None  # (start, end) as aware datetimes
        recovered_at = None
        tick = 0
        while True:
            elapsed = time.monotonic() - started
            if outage is None and elapsed >= OUTAGE_START:
                outage = (timezone.now(), None)
                if fault == "timeout":
                    sms.hang = 1.5
                else:
                    sms.fail_status = 503
            if (
                outage
                and outage[1] is None
                and elapsed >= OUTAGE_START + OUTAGE_SECONDS
            ):
                outage = (outage[0], timezone.now())
                sms.hang, sms.fail_status = 0.0, None
                recovered_at = time.time()
            if outage is None or outage[1] is None:
                new_rows(NEW_PER_TICK)
            if tick % RUN_EVERY == 0:
                deliver_due()
            tick += 1
            open_rows = Notification.objects.filter(
                status__in=Notification.OPEN_STATUSES
            ).count()
            done = outage and outage[1] is not None and open_rows == 0
            late = elapsed > OUTAGE_START + OUTAGE_SECONDS + 120
            if done or late:
                break
            time.sleep(max(0.0, started + tick * TICK - time.monotonic()))
        start, end = outage
        during = DeliveryAttempt.objects.filter(
            attempted_at__gte=start, attempted_at__lte=end
        ).exclude(outcome=Notification.DELIVERED)
        first_after = [at for at in sms.arrivals if at > recovered_at]
        wait_after = (min(first_after) - recovered_at) if first_after else None
        statuses = {
            s: Notification.objects.filter(status=s).count()
            for s in (
                Notification.DELIVERED,
                Notification.DELIVERY_FAILURE,
                Notification.RETRY,
                Notification.SCHEDULED,
            )
        }
        total = Notification.objects.count()
        trips = len([r for r in DeliveryRun.objects.all() if "held" in (r.error or "")])
        del trips
        return {
            "mode": mode,
            "fault": fault,
            "rows": total,
            "breaker trips": TRIPS.pop("n", 0),
            "spent during the outage": during.values("notification").distinct().count(),
            "attempts during the outage": during.count(),
            "failed for good": statuses[Notification.DELIVERY_FAILURE],
            "lost": total - sum(statuses.values()),
            "still open": statuses[Notification.RETRY]
            + statuses[Notification.SCHEDULED],
            "seconds from recovery to first SMS": (
                None if wait_after is None else round(wait_after, 1)
            ),
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fault", choices=["503", "timeout"], default="503")
    parser.add_argument(
        "--modes", nargs="+", choices=["on", "off"], default=["on", "off"]
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_OUTAGE_DB") or f"sqlite:///{tmp}/outage.sqlite3"
        setup(url)
        import logging

        counter = logging.Handler()
        counter.handle = TripCounter().handle
        logging.getLogger("notify_admin.delivery").addHandler(counter)
        logging.getLogger("notify_admin.delivery").setLevel(logging.WARNING)
        results = [scenario(mode, args.fault) for mode in args.modes]
    print()
    print(f"60-second outage ({args.fault}), 10 SMS due a second, a run every 3 s:")
    print("  bound with the breaker: 10 (threshold) + 16 (Twilio requests in flight)")
    print(
        "  per trip, the first trip's in-flight included; one probe per back-off after"
    )
    for result in results:
        print(
            f"  breaker {result['mode']:>3}: "
            + ", ".join(
                f"{k} {v}" for k, v in result.items() if k not in ("mode", "fault")
            )
        )


if __name__ == "__main__":
    main()
