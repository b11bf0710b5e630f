"""bench/scaling.py's Celery rows: W workers of one pool process each, timed
from sending W ``deliver_due`` tasks until every row is delivered."""

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from celery import Celery

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "bench" / ".work"
OURS = REPO / ".venv" / "bin" / "python"
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15")


def delivered_count(connection):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM notify_admin_notification WHERE status = 'DELIVERED'"
        )
        return cursor.fetchone()[0]


def timed_celery(workers, env, n):
    """Start ``workers`` workers, wait until ready, then time the tasks."""
    logs, processes = [], []
    env = {**env, "BENCH_BROKER_URL": BROKER}
    subprocess.run(
        ["redis-cli", "-u", BROKER, "FLUSHDB"], check=True, capture_output=True
    )
    try:
        for i in range(workers):
            log = Path(tempfile.mkstemp(prefix="scaling-worker-", dir=WORK)[1])
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [
                        OURS,
                        "-m",
                        "celery",
                        "-A",
                        "bench.celery_app",
                        "worker",
                        "--pool",
                        "prefork",
                        "--concurrency",
                        "1",
                        "--hostname",
                        f"bench{i}@%h",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                        "--loglevel",
                        "INFO",
                    ],
                    env=env,
                    cwd=REPO,
                    stdout=open(log, "w"),  # noqa: SIM115
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 120
        while not all(" ready." in log.read_text() for log in logs):
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not start")
            time.sleep(0.2)
        # Sender and database connection are ready before the clock starts.
        sender = Celery("bench_sender", broker=BROKER)
        connection = psycopg.connect(env["BENCH_DATABASE_URL"], autocommit=True)
        with sender.connection_for_write() as broker:
            broker.ensure_connection()
            start = time.perf_counter()
            for _ in range(workers):
                sender.send_task("notify_admin.deliver_due", connection=broker)
        while delivered_count(connection) < n:
            if time.perf_counter() - start > 600:
                raise RuntimeError("celery run did not finish")
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        connection.close()
        return seconds
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
