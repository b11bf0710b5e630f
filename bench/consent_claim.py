"""Benchmark: what consent adds to the claim, on PostgreSQL at 1,000,000
notifications and 100,000 preferences.

    .venv/bin/python bench/consent_claim.py            # seed if needed, then measure
    .venv/bin/python bench/consent_claim.py --reseed   # drop and seed again
    BENCH_CONSENT_DB=postgres://postgres@127.0.0.1:5432/other \\
        .venv/bin/python bench/consent_claim.py --batches 60 --batch-size 500

Its own database (default ``notify_admin_bench_consent``, created and
migrated on first use), seeded in plain SQL (about a minute): 20,000 users
with an email and an SMS record each; 7 categories (one critical, one off by
default on SMS); 100,000 preferences (every user x 5 categories on email, a
fifth of them off); time zones and 22:00-07:00 quiet hours for half the
users, in eight zones around the world (so some are in their night whatever
the hour); two blackout periods that hold nothing today; 1,000,000
notifications (statuses in a fixed mix, about 200,000 due, categories
spread, one in seven uncategorised), then VACUUM ANALYZE.

What is timed is everything a run does to a batch before the provider is
called: the claim (the candidate SELECT ... FOR UPDATE SKIP LOCKED and the
compare-and-set UPDATE), the statement that reads the claimed rows, the
quiet-hours and blackout step, and the split. **with consent** is the
engine as it is (the read decides preferences in SQL, ``with_consent()``,
and the hold step calls the quiet-hours hook and reads the blackout periods);
**without** is the claim as it was before consent: the same claim, the
read without ``with_consent()`` and the categories (``fetch_claimed`` as it
was, copied below), no hold step. The two alternate batch by batch in one
process, each batch in a transaction that is rolled back (the table stays
as seeded, every batch claims the same first rows); the median of the
batches is reported, with their ratio. Nothing is asserted.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.admin_scale import ensure_database, setup_django  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/notify_admin_bench_consent"
NOTIFICATIONS = 1_000_000
USERS = 20_000
TARGET_RATIO = 1.20
ZONES = [
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Europe/Paris",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
]

SEED_SQL = """
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,
                       email, is_staff, is_active, date_joined)
SELECT '!', false, 'consent' || i, '', '', 'consent' || i || '@example.com',
       false, true, now()
FROM generate_series(1, %(users)s) AS i;

INSERT INTO notify_admin_targetuserrecord (id, user_id, target_id, target_user_id,
                                           description, active, created, modified)
SELECT gen_random_uuid(), u.id, t.id,
       CASE WHEN t.notification_module_name = 'email' THEN u.email
            ELSE '+1415555' || lpad((u.id %% 10000)::text, 4, '0') END,
       '', true, now(), now()
FROM auth_user u
CROSS JOIN notify_admin_notificationtarget t
WHERE u.username LIKE 'consent%%'
  AND t.notification_module_name IN ('email', 'twilio');

INSERT INTO notify_admin_notificationcategory (key, name, description, critical,
                                               created, modified)
SELECT k, initcap(k), '', k = 'security', now(), now()
FROM unnest(ARRAY['news', 'billing', 'reminders', 'promotions', 'security',
                  'digest']) AS k;

INSERT INTO notify_admin_notificationcategory_off_by_default (notificationcategory_id,
                                                             notificationtarget_id)
SELECT c.id, t.id FROM notify_admin_notificationcategory c,
                       notify_admin_notificationtarget t
WHERE c.key = 'promotions' AND t.notification_module_name = 'twilio';

CREATE TEMP TABLE bench_categories AS
SELECT row_number() OVER (ORDER BY id) AS n, id, key
FROM notify_admin_notificationcategory WHERE key <> 'security';

INSERT INTO notify_admin_notificationpreference (user_id, category_id, target_id,
                                                 enabled, created, modified)
SELECT u.id, c.id, t.id, (u.id + c.n) %% 5 <> 0, now(), now()
FROM auth_user u
CROSS JOIN (SELECT * FROM bench_categories WHERE n <= 5) AS c
CROSS JOIN notify_admin_notificationtarget t
WHERE u.username LIKE 'consent%%' AND t.notification_module_name = 'email';

INSERT INTO notify_admin_recipientsettings (user_id, time_zone, quiet_hours_start,
                                            quiet_hours_end, created, modified)
SELECT u.id, (%(zones)s::text[])[1 + u.id %% %(zone_count)s], '22:00', '07:00',
       now(), now()
FROM auth_user u WHERE u.username LIKE 'consent%%' AND u.id %% 2 = 0;

INSERT INTO notify_admin_blackoutperiod (name, start_date, end_date, created, modified)
VALUES ('Last year''s freeze', current_date - 400, current_date - 390, now(), now()),
       ('Next year''s holiday', current_date + 300, current_date + 301, now(), now());

CREATE TEMP TABLE bench_records AS
SELECT row_number() OVER (ORDER BY id) AS n, id FROM notify_admin_targetuserrecord;

CREATE TEMP TABLE bench_all_categories AS
SELECT row_number() OVER (ORDER BY id) AS n, id FROM notify_admin_notificationcategory;

INSERT INTO notify_admin_notification (id, user_target_id, title, body, extra, status,
    scheduled_delivery, attempted_delivery, retry_time_interval, retry_attempts,
    max_retries, claim_token, claimed_until, created, modified, category_id)
SELECT gen_random_uuid(), r.id, 'Bench notification #' || i, 'Body ' || i, '{}',
       s.status, s.scheduled,
       CASE WHEN s.status IN ('SCHEDULED', 'OPTED_OUT') THEN NULL
            ELSE s.scheduled + interval '5 seconds' END,
       300, 0, 3, NULL, NULL, s.scheduled, s.scheduled,
       CASE WHEN i %% 7 = 0 THEN NULL
            ELSE (SELECT id FROM bench_all_categories
                  WHERE n = 1 + i %% (SELECT count(*) FROM bench_all_categories)) END
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
"""


def seed(reseed):
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from notify_admin.models import Notification

    if reseed:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE notify_admin_deliveryattempt, notify_admin_notification, "
                "notify_admin_targetuserrecord, notify_admin_notificationpreference, "
                "notify_admin_recipientsettings, notify_admin_blackoutperiod, "
                "notify_admin_deliveryrun CASCADE"
            )
            cursor.execute(
                "DELETE FROM notify_admin_notificationcategory WHERE key <> 'general'"
            )
            cursor.execute("DELETE FROM auth_user WHERE username LIKE 'consent%%'")
    if Notification.objects.exists():
        return 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            SEED_SQL,
            {
                "users": USERS,
                "notifications": NOTIFICATIONS,
                "zones": ZONES,
                "zone_count": len(ZONES),
            },
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


class Rollback(Exception):
    pass


def fetch_claimed_before_consent(token):
    """``claims.fetch_claimed`` as it was before consent (the baseline)."""
    from notify_admin.delivery.claims import UNREAD_WHILE_SENDING
    from notify_admin.models import Notification, NotificationTarget

    rows = list(
        Notification.objects.filter(claim_token=token)
        .select_related("user_target")
        .defer(*UNREAD_WHILE_SENDING)
        .with_opt_out()
        .order_by("scheduled_delivery")
    )
    targets = NotificationTarget.objects.in_bulk()
    for notification in rows:
        record = notification.user_target
        record.target = targets[record.target_id]
    return rows


def one_batch(size, consent):
    """Claim, read, hold and split one batch; return (seconds, CPU seconds of
    this process, statements, batch)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from notify_admin.delivery import claims, holds
    from notify_admin.delivery.batch import Batch, split

    original = claims.fetch_claimed
    if not consent:
        claims.fetch_claimed = fetch_claimed_before_consent
    statements = []

    def count(execute, *args):
        statements.append(args[0])
        return execute(*args)

    try:
        with transaction.atomic(), connection.execute_wrapper(count):
            cpu, started = time.process_time(), time.perf_counter()
            token, rows = claims.claim_due(size, cutoff=timezone.now())
            held = holds.deferrals(rows, timezone.now(), token) if consent else {}
            batch = split(Batch(token, rows), held)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            raise Rollback
    except Rollback:
        pass
    finally:
        claims.fetch_claimed = original
    # Savepoints are bookkeeping of this benchmark's rollback, not the claim's.
    work = [sql for sql in statements if "SAVEPOINT" not in sql]
    return seconds, cpu, len(work), batch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("BENCH_CONSENT_DB", DEFAULT_DB)
    ensure_database(url)
    setup_django(url)
    seconds = seed(args.reseed)

    from notify_admin.models import (
        Notification,
        NotificationPreference,
        RecipientSettings,
    )

    print(
        f"database: {url.rsplit('/', 1)[1]}; notifications: "
        f"{Notification.objects.count():,} ({Notification.objects.due().count():,} "
        f"due); preferences: {NotificationPreference.objects.count():,}; "
        f"users with quiet hours: {RecipientSettings.objects.count():,}"
        + (f"; seeded in {seconds:.0f} s" if seconds else "")
    )
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    one_batch(args.batch_size, True)  # warm-up: caches, plans
    one_batch(args.batch_size, False)
    timings = {True: [], False: []}
    cpus = {True: [], False: []}
    last, statements = {}, {}
    for n in range(args.batches):
        # Alternate which goes first, so neither always meets a warmer cache.
        for consent in (True, False) if n % 2 else (False, True):
            spent, cpu, count, batch = one_batch(args.batch_size, consent)
            timings[consent].append(spent)
            cpus[consent].append(cpu)
            last[consent], statements[consent] = batch, count
    figures = {
        consent: (
            statistics.median(timings[consent]) * 1000,
            min(timings[consent]) * 1000,
            statistics.median(cpus[consent]) * 1000,
        )
        for consent in (True, False)
    }
    ratio = figures[True][0] / figures[False][0]
    best_ratio = figures[True][1] / figures[False][1]
    batch = last[True]
    reasons = {}
    for reason in batch.opt_out_reasons.values():
        reasons[reason] = reasons.get(reason, 0) + 1
    print(
        f"\nbatch of {args.batch_size}, median of {args.batches} batches each "
        f"(claim + read + holds + split, rolled back):"
    )
    print(
        "| claim | ms per batch, median | fastest | µs per row (median) "
        "| CPU ms of this process | SQL statements |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, consent in (("without consent", False), ("with consent", True)):
        median, best, cpu = figures[consent]
        print(
            f"| {name} | {median:.1f} | {best:.1f} | "
            f"{median * 1000 / args.batch_size:.0f} | {cpu:.1f} "
            f"| {statements[consent]} |"
        )
    verdict = "met" if ratio <= TARGET_RATIO else "missed"
    print(
        f"\nratio with / without: {ratio:.3f} median, {best_ratio:.3f} fastest "
        f"(target at most {TARGET_RATIO:.2f}: {verdict} on the median)"
    )
    print(
        f"a batch with consent: {len(batch.rows)} rows, {len(batch.to_send)} to "
        f"send, {len(batch.deferred)} deferred, not sent: {reasons or 'none'}"
    )


if __name__ == "__main__":
    main()
