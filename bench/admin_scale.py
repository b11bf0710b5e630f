"""Benchmark: the admin console over 1,000,000 notifications on PostgreSQL.

    .venv/bin/python bench/admin_scale.py            # seed if needed, then measure
    .venv/bin/python bench/admin_scale.py --reseed   # drop and seed again
    BENCH_ADMIN_DB=postgres://postgres@127.0.0.1:5432/other \
        .venv/bin/python bench/admin_scale.py

Its own database (default ``notify_admin_bench_admin``, created and migrated on first
use). Seeding is plain SQL (INSERT ... SELECT generate_series), about a
minute: 20,000 users, an email and an SMS record each (40,000 records),
1,000,000 notifications spread over the last 90 days (statuses in a fixed
mix, exactly 100,000 OPTED_OUT for bench/export_stream.py) and one delivery
attempt per attempted notification, then ANALYZE.

Each page is requested in-process through Django's test Client as a
logged-in superuser: one warm-up, then ``--repeat`` timed requests. Server
time is the median wall time of the request (view, queries, template; no
network), queries are counted on the connection. Nothing is asserted.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/notify_admin_bench_admin"
TARGET_MS = 300
NOTIFICATIONS = 1_000_000
USERS = 20_000

SEED_SQL = """
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,
                       email, is_staff, is_active, date_joined)
SELECT '!', false, 'bench' || i, 'First' || i, 'Last' || i,
       'bench' || i || '@example.com', false, true, now()
FROM generate_series(1, %(users)s) AS i;

INSERT INTO notify_admin_targetuserrecord (id, user_id, target_id, target_user_id,
                                           description, active, created, modified)
SELECT gen_random_uuid(), u.id, t.id,
       CASE WHEN t.notification_module_name = 'email' THEN u.email
            ELSE '+1415555' || lpad((u.id %% 10000)::text, 4, '0') END,
       '', true, now(), now()
FROM auth_user u
CROSS JOIN notify_admin_notificationtarget t
WHERE u.username LIKE 'bench%%' AND t.notification_module_name IN ('email', 'twilio');

CREATE TEMP TABLE bench_records AS
SELECT row_number() OVER (ORDER BY id) AS n, id FROM notify_admin_targetuserrecord;

INSERT INTO notify_admin_notification (id, user_target_id, title, body, extra, status,
    scheduled_delivery, attempted_delivery, retry_time_interval, retry_attempts,
    max_retries, claim_token, claimed_until, created, modified)
SELECT gen_random_uuid(), r.id,
       (ARRAY['Welcome aboard', 'Your order has shipped', 'Password changed',
              'Weekly digest', 'Appointment reminder', 'Payment received'])[1 + i %% 6]
         || ' #' || i,
       'Bench notification ' || i, '{}',
       s.status,
       s.scheduled,
       CASE WHEN s.status IN ('SCHEDULED', 'OPTED_OUT') THEN NULL
            ELSE s.scheduled + interval '5 seconds' END,
       300, 0, 3, NULL, NULL, s.scheduled, s.scheduled
FROM generate_series(0, %(notifications)s - 1) AS i
CROSS JOIN LATERAL (
  SELECT (ARRAY['DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED', 'RETRY',
                'DELIVERY_FAILURE', 'INACTIVE_DEVICE', 'SCHEDULED', 'DELIVERED',
                'OPTED_OUT'])[1 + i %% 10] AS status,
         now() - (i::float / %(notifications)s) * interval '90 days'
           - interval '10 minutes' AS scheduled
) AS s
JOIN bench_records r
  ON r.n = 1 + (i::bigint * 7919) %% (SELECT count(*) FROM bench_records);

INSERT INTO notify_admin_deliveryattempt (notification_id, attempted_at, outcome,
    address, provider_id, error_code, error_message, response)
SELECT n.id, n.attempted_delivery, n.status, '', '', '', '', '{}'
FROM notify_admin_notification n WHERE n.attempted_delivery IS NOT NULL;

INSERT INTO notify_admin_deliveryrun (started_at, finished_at, source, host, claimed,
    delivered, retried, failed, inactive, opted_out, deferred, unsent, error)
SELECT now() - i * interval '10 minutes', now() - i * interval '10 minutes'
       + interval '3 seconds', 'command', 'bench', 100, 90, 5, 3, 2, 0, 0, '{}', ''
FROM generate_series(1, 5000) AS i;
"""


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    sys.path.insert(0, str(ROOT))
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


def seed(reseed):
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from notify_admin.models import Notification

    if reseed:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE notify_admin_deliveryattempt, notify_admin_notification, "
                "notify_admin_targetuserrecord, notify_admin_deliveryrun, "
                "notify_admin_notificationoptout CASCADE"
            )
            cursor.execute("DELETE FROM auth_user WHERE username LIKE 'bench%%'")
    if Notification.objects.exists():
        return 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(SEED_SQL, {"users": USERS, "notifications": NOTIFICATIONS})
    with connection.cursor() as cursor:
        # What autovacuum does in time: statistics, and the visibility map
        # that lets index-only scans skip the table.
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def pages():
    from django.urls import reverse

    from notify_admin.models import NotificationTarget, TargetUserRecord

    changelist = reverse("admin:notify_admin_notification_changelist")
    sms = NotificationTarget.objects.get(notification_module_name="twilio")
    record = TargetUserRecord.objects.order_by("pk").first()
    return [
        ("changelist", changelist),
        (
            "status + target filter",
            f"{changelist}?status__exact=RETRY&user_target__target__id__exact={sms.pk}",
        ),
        (
            "date-range filter (7 days)",
            f"{changelist}?scheduled_delivery__range__gte={_days_ago(37)}"
            f"&scheduled_delivery__range__lte={_days_ago(30)}",
        ),
        ("search (title word)", f"{changelist}?q=shipped"),
        ("search (address)", f"{changelist}?q=bench1234@example.com"),
        ("page 500", f"{changelist}?p=500"),
        ("dashboard (app index)", reverse("admin:app_list", args=["notify_admin"])),
        ("admin index (card)", reverse("admin:index")),
        ("user page", reverse("admin:auth_user_change", args=[record.user_id])),
        (
            "records changelist",
            reverse("admin:notify_admin_targetuserrecord_changelist"),
        ),
    ]


def _days_ago(days):
    import datetime

    from django.utils import timezone

    return (timezone.localdate() - datetime.timedelta(days=days)).isoformat()


def measure(client, url, repeat):
    """``(wall ms median, wall ms max, CPU ms, SQL ms, queries)`` for ``url``.

    CPU is this process's own (Python: view, forms, template); SQL is the time
    spent waiting on PostgreSQL. On a loaded machine the wall time also holds
    the time spent waiting for a CPU; CPU + SQL is closer to an idle server's.
    """
    from django.db import connection

    response = client.get(url)  # warm-up (and the page must work)
    assert response.status_code == 200, (url, response.status_code)
    walls, cpus, sqls = [], [], []
    for _ in range(repeat):
        sql = []

        def timed(execute, *args, sql=sql):
            started = time.perf_counter()
            try:
                return execute(*args)
            finally:
                sql.append(time.perf_counter() - started)

        with connection.execute_wrapper(timed):
            cpu, started = time.process_time(), time.perf_counter()
            client.get(url)
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        sqls.append(sum(sql) * 1000)
    return (
        statistics.median(walls),
        max(walls),
        statistics.median(cpus),
        statistics.median(sqls),
        len(sql),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument(
        "--seed-only", action="store_true", help="create/migrate/seed, time nothing"
    )
    args = parser.parse_args()
    url = os.environ.get("BENCH_ADMIN_DB", DEFAULT_DB)
    ensure_database(url)
    setup_django(url)

    seconds = seed(args.reseed)
    if args.seed_only:
        print(f"seeded in {seconds:.0f} s" if seconds else "already seeded")
        return
    from django.contrib.auth import get_user_model
    from django.test import Client

    from notify_admin.models import DeliveryAttempt, Notification

    admin, _ = get_user_model().objects.get_or_create(
        username="bench-admin",
        defaults={"is_staff": True, "is_superuser": True, "email": "a@example.com"},
    )
    client = Client()
    client.force_login(admin)
    print(
        f"database: {url.rsplit('/', 1)[1]}; notifications: "
        f"{Notification.objects.count():,}; attempts: "
        f"{DeliveryAttempt.objects.count():,}"
        + (f"; seeded in {seconds:.0f} s" if seconds else "")
    )
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"\n| page | server time, median (max) | CPU + SQL | queries "
        f"| under {TARGET_MS} ms |"
    )
    print("| --- | ---: | ---: | ---: | --- |")
    for name, page_url in pages():
        wall, worst, cpu, sql, queries = measure(client, page_url, args.repeat)
        verdict = "met" if wall < TARGET_MS else "**missed**"
        if wall >= TARGET_MS and cpu + sql < TARGET_MS:
            verdict += " (CPU + SQL met)"
        print(
            f"| {name} | {wall:.0f} ms ({worst:.0f}) | {cpu:.0f} + {sql:.0f} ms "
            f"| {queries} | {verdict} |"
        )


if __name__ == "__main__":
    main()
