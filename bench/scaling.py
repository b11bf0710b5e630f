"""Scaling on one host: 1, 2, 4 processes and 1, 2, 4 Celery workers.

    .venv/bin/python bench/scaling.py               # the full table (about 10 min)
    .venv/bin/python bench/scaling.py --quick       # smaller N, no peers

notify_admin delivers N due notifications on PostgreSQL (SMS and push at 20 ms
provider latency, email over SMTP to the envelope-only sink) with
``process_notifications --processes P`` (timed as a process: start-up
included, as cron runs it) and with W ``celery worker`` processes of one pool
process each on Redis DB 15 (timed from sending W ``deliver_due`` tasks until
every row is delivered; the workers are started and ready before). In the
same run: email 10,000 with ``--processes 2`` against the original package
(one process: it has no option for more, and two of it would send every
message twice) and against django-post-office's ``send_queued_mail
--processes 2``. Every row checks that each notification was delivered once.

The database is its own (BENCH_SCALING_DB, default notify_admin_bench_scaling), rebuilt
(schema dropped, migrated, seeded) for each row; peers run from
bench/.venvs like bench/run.py. Figures print as a table with the scaling
ratios and go to bench/results/scaling.{json,md}.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.fakes import smtp_sink_process, start_fake  # noqa: E402
from bench.run import RESULTS, WORK, machine_description, venv_python  # noqa: E402
from bench.scaling_celery import timed_celery  # noqa: E402

PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_SCALING_DB", "notify_admin_bench_scaling")
URL = f"{PG}/{DB}"
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15")
OURS = REPO / ".venv" / "bin" / "python"
COMMANDS = {
    "notify_admin": ["process_notifications"],
    "dns": ["process_notifications"],
    "post_office": ["send_queued_mail"],
}
LABELS = {
    "notify_admin": "notify_admin",
    "dns": "django-notification-system 1.5.3",
    "post_office": "django-post-office 3.x",
}
TARGETS = {"twilio": 1.7, "expo": 1.7, "email": 1.4}


def python_of(system):
    return OURS if system == "notify_admin" else venv_python(system)


def env_of(system, extra):
    env = {**os.environ, **extra, "BENCH_DATABASE_URL": URL, "PYTHONPATH": str(REPO)}
    env["DJANGO_SETTINGS_MODULE"] = f"bench.sites.{system}"
    return env


def ensure_database():
    """Create the benchmark's database on first use."""
    found = subprocess.run(
        [
            "psql",
            "-Atq",
            f"{PG}/postgres",
            "-c",
            f"SELECT 1 FROM pg_database WHERE datname = '{DB}'",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not found:
        subprocess.run(
            ["psql", "-q", f"{PG}/postgres", "-c", f'CREATE DATABASE "{DB}"'],
            check=True,
            capture_output=True,
        )


def rebuild(system, channel, n):
    """Empty schema, migrate, seed: each row starts from the same state."""
    ensure_database()
    subprocess.run(
        [
            "psql",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            URL,
            "-c",
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public;",
        ],
        check=True,
        capture_output=True,
    )
    python = python_of(system)
    env = env_of(system, {})
    for args in (["migrate"], ["seed", channel, str(n)]):
        subprocess.run(
            [python, REPO / "bench" / "driver.py", system, *args],
            check=True,
            env=env,
            cwd=REPO,
        )


def stats(system):
    out = subprocess.run(
        [python_of(system), REPO / "bench" / "driver.py", system, "stats"],
        check=True,
        env=env_of(system, {}),
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(out)
    return data["counts"].get(data["delivered"], 0)


def sink(channel):
    """``(context manager yielding the system's env, received() -> count)``."""
    holder = {}

    class Sink:
        def __enter__(self):
            if channel == "email":
                # In a process of its own: its CPU is not the systems'.
                holder["cm"] = smtp_sink_process()
                holder["state"] = holder["cm"].__enter__()
                port = holder["state"]["port"]
                return {"BENCH_EMAIL": "smtp", "BENCH_SMTP_PORT": str(port)}
            holder["cm"] = start_fake(channel, None, 20)
            holder["sink"] = holder["cm"].__enter__()
            return holder["sink"].env

        def __exit__(self, *exc):
            if channel != "email":
                holder["state"] = {"received": len(holder["sink"].received())}
            holder["cm"].__exit__(*exc)

    return Sink(), lambda: holder["state"]["received"]


def timed_command(system, args, env):
    log = WORK / f"scaling.{system}.log"
    with open(log, "wb") as out:
        start = time.perf_counter()
        code = subprocess.call(
            [python_of(system), "-m", "django", *COMMANDS[system], *args],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        seconds = time.perf_counter() - start
    if code:
        raise RuntimeError(log.read_text(errors="replace")[-1500:])
    return seconds


def measure(system, channel, n, how, count):
    rebuild(system, channel, n)
    context, received = sink(channel)
    with context as sink_env:
        env = env_of(system, sink_env)
        if how == "celery":
            seconds = timed_celery(count, env, n)
            time.sleep(0.5)
        elif system == "dns":
            seconds = timed_command(system, [], env)
        else:
            seconds = timed_command(system, ["--processes", str(count)], env)
    got, done = received(), stats(system)
    in_runs = run_seconds() if system == "notify_admin" else None
    status = "ok" if got == n and done == n else f"FAIL: {got} received, {done} done"
    return {
        "system": LABELS[system],
        "channel": channel,
        "how": how,
        "count": count,
        "n": n,
        "seconds": round(seconds, 2),
        "per_second": round(n / seconds, 1),
        "status": status,
        # From the first run's start to the last one's end (no start-up).
        "run_seconds": in_runs and round(in_runs, 2),
        "per_second_in_runs": in_runs and round(n / in_runs, 1),
    }


def run_seconds():
    sql = (
        "SELECT extract(epoch FROM max(finished_at) - min(started_at)) "
        "FROM notify_admin_deliveryrun WHERE claimed > 0"
    )
    out = subprocess.run(
        ["psql", "-tA", URL, "-c", sql], check=True, capture_output=True, text=True
    ).stdout.strip()
    return float(out) if out else None


def add_ratios(rows):
    base = {
        (r["channel"], r["how"]): r
        for r in rows
        if r["count"] == 1 and r["system"] == "notify_admin"
    }
    for row in rows:
        one = base.get((row["channel"], row["how"]))
        if row["system"] == "notify_admin" and one and row["status"] == "ok":
            row["scaling"] = round(row["per_second"] / one["per_second"], 2)


def in_runs(row, rows):
    """Throughput from the first run's start to the last one's end, with its
    ratio to one process/worker: the steady state, start-up left out."""
    rate = row.get("per_second_in_runs")
    if not rate:
        return ""
    one = next(
        (
            r
            for r in rows
            if r["channel"] == row["channel"]
            and r["how"] == row["how"]
            and r["count"] == 1
            and r.get("per_second_in_runs")
        ),
        None,
    )
    ratio = f" ({rate / one['per_second_in_runs']:.2f}x)" if one else ""
    return f"{rate:,.0f}{ratio}"


def print_rows(rows, machine, peers):
    lines = [
        f"Machine: {machine}",
        "",
        "| system | channel | run by | N | seconds | notif/s | vs 1 | target at 2 "
        "| notif/s in runs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        how = (
            f"{r['count']} process(es)"
            if r["how"] == "processes"
            else f"{r['count']} Celery worker(s)"
        )
        if r["system"] == "django-notification-system 1.5.3":
            how = "1 process (no option for more)"
        target = (
            f"≥ {TARGETS[r['channel']]}x"
            if r["count"] == 2 and r["system"] == "notify_admin"
            else ""
        )
        figures = (
            f"{r['seconds']:.2f} | {r['per_second']:,.0f}"
            if r["status"] == "ok"
            else f"{r['status']} |"
        )
        lines.append(
            f"| {r['system']} | {r['channel']} | {how} | {r['n']:,} | {figures} | "
            f"{r.get('scaling', '') and str(r['scaling']) + 'x'} | {target} | "
            f"{in_runs(r, rows)} |"
        )
    lines += ["", *peers]
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--channels", nargs="+", default=["twilio", "expo", "email"])
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--no-celery", action="store_true")
    parser.add_argument("--output", default="scaling", help="results file stem")
    args = parser.parse_args()
    sizes = {"twilio": 4000, "expo": 10000, "email": 10000}
    if args.quick:
        sizes = dict.fromkeys(sizes, 1000)
        args.no_peers = True
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    hows = ["processes"] + ([] if args.no_celery else ["celery"])
    for channel in args.channels:
        for how in hows:
            for count in args.counts:
                print(f"- {channel} {how} x{count}", flush=True)
                row = measure("notify_admin", channel, sizes[channel], how, count)
                print(f"  {row['status']} {row['per_second']}/s", flush=True)
                rows.append(row)
    peers = []
    if not args.no_peers:
        ours = next(
            (
                r
                for r in rows
                if r["channel"] == "email"
                and r["how"] == "processes"
                and r["count"] == 2
            ),
            None,
        )
        for system, target in (("dns", 20), ("post_office", 1.5)):
            print(f"- {system} email", flush=True)
            row = measure(system, "email", 10000, "processes", 2)
            rows.append(row)
            if ours and row["status"] == "ok" and ours["status"] == "ok":
                ratio = ours["per_second"] / row["per_second"]
                peers.append(
                    f"- email 10,000 over SMTP, notify_admin --processes 2 vs "
                    f"{row['system']}: {ratio:.1f}x (target ≥ {target}x)"
                )
    add_ratios(rows)
    machine = machine_description() + f"; load average {os.getloadavg()[0]:.1f}"
    text = print_rows(rows, machine, peers)
    (RESULTS / f"{args.output}.md").write_text(text)
    (RESULTS / f"{args.output}.json").write_text(
        json.dumps({"machine": machine, "rows": rows, "peers": peers}, indent=1)
    )


if __name__ == "__main__":
    main()
