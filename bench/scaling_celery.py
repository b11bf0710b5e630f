"""bench/scaling.py's Celery rows: W workers of one pool process each, timed
from sending W ``deliver_due`` tasks until every row is delivered."""

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "bench" / ".work"
OURS = REPO / ".venv" / "bin" / "python"
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15")


def delivered_count(env):
    out = subprocess.run(
        [
            "psql",
            "-tA",
            env["BENCH_DATABASE_URL"],
            "-c",
            "SELECT count(*) FROM notify_admin_notification WHERE status='DELIVERED'",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return int(out.strip() or 0)


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
        send = (
            "from bench.celery_app import app\n"
            f"for _ in range({workers}): app.send_task('notify_admin.deliver_due')\n"
        )
        start = time.perf_counter()
        subprocess.run([OURS, "-c", send], env=env, cwd=REPO, check=True)
        while delivered_count(env) < n:
            if time.perf_counter() - start > 600:
                raise RuntimeError("celery run did not finish")
            time.sleep(0.05)
        return time.perf_counter() - start
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
