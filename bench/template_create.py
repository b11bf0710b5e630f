"""Benchmark: creating 10,000 notifications from one message template.

    .venv/bin/python bench/template_create.py                 # PostgreSQL
    .venv/bin/python bench/template_create.py --database sqlite
    BENCH_TEMPLATES_DB=postgres://postgres@127.0.0.1:5432/other \
        .venv/bin/python bench/template_create.py --n 20000 --repeat 5

Its own PostgreSQL database (default ``notify_admin_bench_templates``, created
on first use, migrated, and its bench rows replaced on every run). N users
with one active email address each, and one template whose email has a
subject, a plain text and an HTML part with four placeholders (one of them
optional text). Each repetition deletes the notifications and times
``Notification.objects.bulk_create_from_template`` for the N users, each with
their own personalisation (the users are loaded before the clock starts, as a
caller holds them); it prints rows per second (median and best), the SQL
statements per 1,000 rows (every statement on the connection, counted by
bench/sqlcount.py) and per batch, this process's CPU time (what the Python side
costs, apart from the database server), and the share of the time spent rendering.
For scale, the single call ``create_from_template`` is timed over the first
1,000 users (one user a call). Nothing is asserted.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/notify_admin_bench_templates"
PREFIX = "bench-tpl-"
TARGET_ROWS_PER_SECOND = 10_000

CONTENT = {
    "email_subject": "Your order ((order)) has shipped",
    "email_text": (
        "Hello ((first_name)),\n\nYour order ((order)) left our warehouse today "
        "and should arrive by ((arrival)).((is_member?? Members get free "
        "delivery.))\n\nThank you for shopping with us."
    ),
    "email_html": (
        "<h1>Hello ((first_name))</h1><p>Your order <b>((order))</b> left our "
        "warehouse today and should arrive by ((arrival)).</p><p>((is_member??"
        "Members get free delivery.))</p><p>Thank you for shopping with us.</p>"
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
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from notify_admin.models import (
        Notification,
        NotificationTarget,
        NotificationTemplate,
        TargetUserRecord,
    )

    call_command("migrate", verbosity=0)
    User = get_user_model()
    Notification.objects.filter(user_target__user__username__startswith=PREFIX).delete()
    NotificationTemplate.objects.filter(key__startswith="bench").delete()
    TargetUserRecord.objects.filter(user__username__startswith=PREFIX).delete()
    User.objects.filter(username__startswith=PREFIX).delete()
    User.objects.bulk_create(
        User(
            username=f"{PREFIX}{i:06d}",
            first_name=f"First{i}",
            email=f"{PREFIX}{i}@example.com",
        )
        for i in range(n)
    )
    email = NotificationTarget.objects.get(notification_module_name="email")
    TargetUserRecord.objects.bulk_create(
        TargetUserRecord(user=user, target=email, target_user_id=user.email)
        for user in User.objects.filter(username__startswith=PREFIX)
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does in time
    template = NotificationTemplate.objects.create(key="bench_shipped", name="Shipped")
    template.save_content(CONTENT, "en")
    return template


def recipients():
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(username__startswith=PREFIX).order_by("pk")
    return [
        (
            user,
            {
                "order": f"A-{user.pk:07d}",
                "arrival": "Friday",
                "is_member": "yes" if user.pk % 2 else "no",
            },
        )
        for user in users
    ]


def time_bulk(template, people, batch_size):
    from bench.sqlcount import count_statements
    from notify_admin.models import Notification

    Notification.objects.filter(user_target__user__username__startswith=PREFIX).delete()
    with count_statements() as counter:
        cpu = time.process_time()
        started = time.perf_counter()
        result = Notification.objects.bulk_create_from_template(
            template, people, batch_size=batch_size
        )
        elapsed = time.perf_counter() - started
        result.cpu_seconds = time.process_time() - cpu
    return elapsed, counter.statements, result


def time_rendering(template, people):
    """The rendering alone (no SQL): what the bulk call spends in Python."""
    from notify_admin.rendering import Renderer

    renderer = Renderer(template.versions.get(), label=template.name)
    started = time.perf_counter()
    for user, personalisation in people:
        renderer.render("email", personalisation, user=user)
    return time.perf_counter() - started


def time_single(template, people):
    from notify_admin.models import Notification

    Notification.objects.filter(user_target__user__username__startswith=PREFIX).delete()
    started = time.perf_counter()
    for user, personalisation in people:
        Notification.objects.create_from_template(template, user, personalisation)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument(
        "--database", choices=["postgres", "sqlite"], default="postgres"
    )
    args = parser.parse_args()
    if args.database == "postgres":
        url = os.environ.get("BENCH_TEMPLATES_DB", DEFAULT_DB)
        ensure_database(url)
    else:
        url = f"sqlite:///{ROOT / 'bench' / '.work' / 'templates.sqlite3'}"
        (ROOT / "bench" / ".work").mkdir(exist_ok=True)
    setup_django(url)
    from django.db import connection

    template = seed(args.n)
    people = recipients()
    runs = [time_bulk(template, people, args.batch_size) for _ in range(args.repeat)]
    render_seconds = time_rendering(template, people)
    single = time_single(template, people[:1000])
    rates = [args.n / elapsed for elapsed, _s, _r in runs]
    elapsed, statements, result = runs[-1]
    batches = result.batches
    fixed = statements - 2 * batches  # records with opt-outs, INSERT per batch
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    print(
        f"bulk_create_from_template, {args.n:,} users x 1 email address, "
        f"batch size {args.batch_size}, {args.repeat} runs"
    )
    print(f"  rows created        {result.created:,}")
    print(
        f"  rows/s              median {statistics.median(rates):,.0f}, "
        f"best {max(rates):,.0f}  (target {TARGET_ROWS_PER_SECOND:,})"
    )
    if connection.vendor == "postgresql":
        print(
            f"  statements          {statements} in all: {batches} batches, "
            f"{(statements - fixed) / batches:.0f} per batch + {fixed} once"
        )
    else:
        print(
            f"  statements          {statements} in all ({batches} batches; SQLite "
            "binds at most 999 parameters a statement, so bulk_create splits "
            "each INSERT)"
        )
    print(f"  statements/1,000    {statements * 1000 / args.n:.2f}")
    cpu = statistics.median(r[2].cpu_seconds for r in runs)
    print(
        f"  this process's CPU  {cpu:.2f} s a run ({args.n / cpu:,.0f} rows/s of "
        "Python; the rest of the wall time is the database and waiting for it)"
    )
    print(
        f"  rendering only      {args.n / render_seconds:,.0f} renders/s "
        f"({render_seconds / statistics.median([r[0] for r in runs]):.0%} "
        "of the bulk call)"
    )
    print(
        f"create_from_template, one call per user, 1,000 users: "
        f"{1000 / single:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
