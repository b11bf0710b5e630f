"""Provider feedback at volume: Expo receipts and Twilio status callbacks.

    .venv/bin/python bench/feedback.py           # temporary SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mydb \
        .venv/bin/python bench/feedback.py

(The PostgreSQL database is emptied of notify_admin rows first: use one of
your own.) Prints:

- receipts: 10,000 Expo tickets 15+ minutes old checked by ``check_receipts``
  through the real SDK against the fake Expo on 127.0.0.1 (2% of them
  DeviceNotRegistered, 1% MessageRateExceeded): getReceipts requests, SQL
  statements in all and per 1,000 tickets, wall time;
- callbacks: Twilio status callbacks signed as Twilio signs them, posted
  through Django's full request stack to the real view (``delivered`` and
  ``undelivered`` 30006): callbacks per second and SQL statements per callback.

Figures from a shared, loaded machine are noisy; compare runs made together.
"""

import argparse
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


class Statements:
    """Counts the SQL statements run (no log, so no cap on their number)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def counted():
    from django.db import connection

    statements = Statements()
    with connection.execute_wrapper(statements):
        yield statements


def setup_django():
    if not os.environ.get("DATABASE_URL"):
        path = Path(tempfile.mkdtemp()) / "feedback.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def empty():
    from django.contrib.auth import get_user_model

    from notify_admin.models import Notification, TargetUserRecord

    Notification.objects.all().delete()
    TargetUserRecord.objects.all().delete()
    get_user_model().objects.filter(username__startswith="fb").delete()


def accepted(module, n, minutes_ago, id_of):
    """``n`` DELIVERED notifications of ``module`` with their accepting attempts."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from notify_admin.models import (
        DeliveryAttempt,
        Notification,
        NotificationTarget,
        TargetUserRecord,
    )

    target = NotificationTarget.objects.get(notification_module_name=module)
    at = timezone.now() - timedelta(minutes=minutes_ago)
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"fb{module}{i}") for i in range(n)]
    )
    records = TargetUserRecord.objects.bulk_create(
        [
            TargetUserRecord(
                user=user,
                target=target,
                target_user_id=(
                    f"ExponentPushToken[fb{i}]"
                    if module == "expo"
                    else f"+1415555{i:04d}"
                ),
            )
            for i, user in enumerate(users)
        ]
    )
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                user_target=record,
                title="t",
                body="b",
                status="DELIVERED",
                attempted_delivery=at,
            )
            for record in records
        ]
    )
    DeliveryAttempt.objects.bulk_create(
        [
            DeliveryAttempt(
                notification=notification,
                outcome="DELIVERED",
                attempted_at=at,
                address=notification.user_target.target_user_id,
                provider_id=id_of(i),
            )
            for i, notification in enumerate(notifications)
        ],
        batch_size=1000,
    )
    analyze()
    return records


def analyze():
    """Fresh planner statistics, as a long-lived database has."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def bench_receipts(n):
    from django.conf import settings
    from django.db import connection

    from notify_admin.feedback.receipts import check_receipts
    from tests.support.fakes import FakeExpoServer

    empty()
    records = accepted("expo", n, 30, lambda i: f"ticket-{i}")
    with FakeExpoServer() as fake:
        settings.NOTIFICATION_SYSTEM_TARGETS = {
            **settings.NOTIFICATION_SYSTEM_TARGETS,
            "expo": {"host": fake.url, "timeout": 30},
        }
        for i, record in enumerate(records):
            fake.tickets[f"ticket-{i}"] = record.target_user_id
            if i % 50 == 0:
                fake.receipt_errors[record.target_user_id] = "DeviceNotRegistered"
            elif i % 100 == 1:
                fake.receipt_errors[record.target_user_id] = "MessageRateExceeded"
        started = time.perf_counter()
        with counted() as queries:
            result = check_receipts()
        wall = time.perf_counter() - started
        requests = len(fake.receipt_requests)
    statements = queries.count
    print(f"receipts ({connection.vendor}): {n} tickets")
    largest = max(map(len, fake.receipt_requests))
    print(f"  getReceipts requests: {requests} (largest {largest} ids)")
    print(
        f"  SQL statements: {statements} in all, {statements / (n / 1000):.1f} "
        "per 1,000 tickets"
    )
    print(
        f"  confirmed={result.confirmed} inactive={result.inactive} "
        f"retry={result.retried} in {wall:.2f}s ({n / wall:,.0f} tickets/s)"
    )


def bench_callbacks(n):
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from tests.support.fakes import FakeTwilioServer

    empty()
    settings.NOTIFICATION_SYSTEM_PUBLIC_URL = "https://console.example.com"
    records = accepted("twilio", n, 5, lambda i: f"SM{i:032x}")
    fake = FakeTwilioServer()
    client = Client()
    url = "https://console.example.com/notify-admin/webhooks/twilio/status/"
    for status, code in (("delivered", None), ("undelivered", "30006")):
        calls = [
            fake.callback(
                {
                    "sid": f"SM{i:032x}",
                    "account_sid": "AC" + "0" * 32,
                    "from": "+14155550100",
                    "to": record.target_user_id,
                },
                status,
                code,
                url=url,
            )
            for i, record in enumerate(records)
        ]
        path = url.removeprefix("https://console.example.com")
        started = time.perf_counter()
        with counted() as queries:
            for _url, form, signature in calls:
                response = client.post(
                    path, form, headers={"X-Twilio-Signature": signature}
                )
                assert response.status_code == 200, response.status_code
        wall = time.perf_counter() - started
        print(
            f"callbacks ({connection.vendor}, {status}{' ' + code if code else ''}): "
            f"{n} in {wall:.2f}s = {n / wall:,.0f}/s; "
            f"{queries.count / n:.2f} SQL statements per callback"
        )


def commit_latency():
    """What one committed one-row UPDATE costs on this database, for scale."""
    from django.db import connection

    from notify_admin.models import NotificationTarget

    target = NotificationTarget.objects.first()
    started = time.perf_counter()
    for _ in range(50):
        NotificationTarget.objects.filter(pk=target.pk).update(name=target.name)
    ms = (time.perf_counter() - started) * 20
    print(f"one committed UPDATE ({connection.vendor}): {ms:.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--callbacks", type=int, default=2_000)
    args = parser.parse_args()
    setup_django()
    commit_latency()
    bench_receipts(args.tickets)
    bench_callbacks(args.callbacks)
    empty()


if __name__ == "__main__":
    main()
