"""Process CPU and wall time per SMS on notify_admin's Twilio path.

    .venv/bin/python bench/twilio_cpu.py                     # 10,000 SMS, 20 ms
    .venv/bin/python bench/twilio_cpu.py --n 5000 --modes channel threaded
    .venv/bin/python bench/twilio_cpu.py --profile 2000  # where a message's CPU goes

The fake Twilio server (the test suite's) runs in a process of its own on
127.0.0.1, answering each request after ``--latency`` ms, so its CPU is not
counted. Modes, each over the same N messages:

- ``channel``: notify_admin's real Twilio channel (``send_batch``, in batches
  of the engine's BATCH_SIZE, requests in flight as configured) on
  notifications built in memory; this process's user+sys CPU (``getrusage``,
  every thread) and wall time over the sends.
- ``channel-one-batch``: the same, all N messages in one ``send_batch``: no
  batch boundary, where the requests in flight drain before the next batch
  (what ``channel`` loses to them is the difference).
- ``threaded``: the same messages through the SDK's threaded client
  (``TwilioHttpClient``, requests), one Client and one pooled session for the
  run, as many threads as the channel has requests in flight: the channel's
  design before it moved to the SDK's asyncio client.
- ``threaded-noenv``: the same with ``session.trust_env = False`` (requests
  otherwise reads the environment's proxy settings on every request).
- ``run``: ``process_notifications`` as a process (``bench/driver.py
  notify_admin deliver``) on a seeded SQLite database: the whole delivery
  (start-up, claims, recording), its user+sys CPU from ``wait4``.

``--profile N`` sends N messages through the channel, then one after another
through the threaded client, under cProfile (CPU time, this thread) and
prints the functions with the most CPU.
Figures only: on a loaded machine CPU per SMS is inflated (cache misses,
preemption), so compare modes within one invocation.
"""

import argparse
import cProfile
import io
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.sites.notify_admin")
os.environ.setdefault("BENCH_DATABASE_URL", "sqlite:///:memory:")

from bench.fakes import twilio_fake_process  # noqa: E402
from bench.workload import address  # noqa: E402


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def notifications(n):
    from notify_admin.models import Notification, TargetUserRecord

    return [
        Notification(
            id=i + 1,
            title=f"bench {i}",
            body=f"Hello u{i}, this is benchmark message {i}.",
            user_target=TargetUserRecord(target_user_id=address("twilio", i)),
        )
        for i in range(n)
    ]


def point_at(url):
    from django.conf import settings

    settings.NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["base_url"] = url


def run_channel():
    """The Twilio channel as a run gets it: its own instance, opened once
    where the channel has a run session (``open``/``close``)."""
    from notify_admin.channels import get_channel

    channel = get_channel("twilio")
    if hasattr(channel, "copy"):
        channel = channel.copy()
    return channel


def concurrency_of(channel):
    value = channel.concurrency
    return value() if callable(value) else value


def channel_mode(rows):
    from contextlib import nullcontext

    from notify_admin import conf

    channel = run_channel()
    size = conf.batch_size()
    outcomes = {}
    with channel if hasattr(channel, "open") else nullcontext():
        for start in range(0, len(rows), size):
            outcomes.update(channel.send_batch(rows[start : start + size]))
    return outcomes


def channel_one_batch_mode(rows):
    channel = run_channel()
    with channel:
        return channel.send_batch(rows)


def threaded_mode(rows, trust_env=True, sequential=False):
    """The SDK's threaded client as the channel used it before, but with one
    Client and one pooled requests session for the whole run: ``concurrency``
    threads, each message one ``messages.create``. ``trust_env=False``: the
    environment's proxy settings are not re-read on every request."""
    from concurrent.futures import ThreadPoolExecutor

    from requests.adapters import HTTPAdapter
    from twilio.base.exceptions import TwilioRestException
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    from notify_admin import conf
    from notify_admin.channels.base import Outcome, describe_error
    from notify_admin.channels.twilio import PROVIDER, classify_rest_error

    workers = concurrency_of(run_channel())
    sender = conf.get_target_setting(PROVIDER, "sender")
    http_client = TwilioHttpClient(timeout=5)
    http_client.session.trust_env = trust_env
    adapter = HTTPAdapter(pool_maxsize=workers)
    http_client.session.mount("http://", adapter)
    http_client.session.mount("https://", adapter)
    client = Client(
        conf.get_target_setting(PROVIDER, "account_sid"),
        conf.get_target_setting(PROVIDER, "auth_token"),
        http_client=http_client,
    )
    client.api.base_url = conf.get_target_setting(PROVIDER, "base_url")
    messages = client.messages

    def send(row):
        to = row.user_target.target_user_id
        try:
            answer = messages.create(body=row.body, from_=sender, to=to)
        except TwilioRestException as err:
            return row.pk, classify_rest_error(err)
        except Exception as err:
            return row.pk, Outcome.transient(type(err).__name__, describe_error(err))
        return row.pk, Outcome.sent(answer.sid, {"sid": answer.sid})

    try:
        if sequential:
            return dict(map(send, rows))
        with ThreadPoolExecutor(workers) as pool:
            return dict(pool.map(send, rows))
    finally:
        http_client.session.close()


def in_process(name, function, n, latency):
    rows = notifications(n)
    with twilio_fake_process(latency) as fake:
        point_at(fake["url"])
        cpu, wall = cpu_seconds(), time.perf_counter()
        outcomes = function(rows)
        cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
    sent = sum(outcome.kind == "sent" for outcome in outcomes.values())
    return report(name, n, cpu, wall, sent, fake["received"])


def run_mode(n, latency):
    with tempfile.TemporaryDirectory() as workdir:
        env = {**os.environ, "BENCH_DATABASE_URL": f"sqlite:///{workdir}/run.sqlite3"}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        driver = [sys.executable, str(REPO / "bench" / "driver.py"), "notify_admin"]
        subprocess.run([*driver, "migrate"], env=env, check=True, cwd=REPO)
        subprocess.run([*driver, "seed", "twilio", str(n)], env=env, check=True)
        with twilio_fake_process(latency) as fake:
            env["BENCH_TWILIO_URL"] = fake["url"]
            wall = time.perf_counter()
            process = subprocess.Popen([*driver, "deliver"], env=env, cwd=REPO)
            _pid, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - wall
        if os.waitstatus_to_exitcode(status):
            raise SystemExit("process_notifications failed")
    cpu = usage.ru_utime + usage.ru_stime
    return report("run", n, cpu, wall, None, fake["received"])


def report(name, n, cpu, wall, sent, received):
    line = (
        f"{name:<8} N={n:,}  CPU {cpu:6.2f} s  wall {wall:6.2f} s  "
        f"per SMS: CPU {cpu / n * 1000:.3f} ms, wall {wall / n * 1000:.3f} ms  "
        f"({n / wall:,.0f} SMS/s; fake received {received:,}"
    )
    line += ")" if sent is None else f", outcomes sent {sent:,})"
    print(line, flush=True)
    return {"mode": name, "n": n, "cpu": cpu, "wall": wall, "received": received}


def profile(n, top):
    """cProfile on CPU time (``time.thread_time``), everything on this thread:
    the channel (its event loop runs on the calling thread), then the SDK's
    threaded client one message after another."""
    rows = notifications(n)
    runs = [
        ("channel", channel_mode),
        ("threaded", partial(threaded_mode, sequential=True)),
    ]
    with twilio_fake_process(0) as fake:
        point_at(fake["url"])
        for name, run in runs:
            run(rows[:20])  # imports and first connections, warm
            profiler = cProfile.Profile(time.thread_time)
            profiler.enable()
            run(rows)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(top)
            stats.sort_stats("cumulative").print_stats(top)
            print(f"== {name}: {n:,} SMS, {stats.total_tt / n * 1000:.3f} ms CPU each")
            print(out.getvalue())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--latency", type=int, default=20, help="ms per request")
    parser.add_argument(
        "--modes",
        nargs="+",
        default=["channel", "threaded", "threaded-noenv", "run"],
        choices=["channel", "channel-one-batch", "threaded", "threaded-noenv", "run"],
    )
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    import django

    django.setup()
    if args.profile:
        profile(args.profile, args.top)
        return
    print(
        f"Twilio, fake server in its own process at {args.latency} ms per request; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    for mode in args.modes:
        if mode == "channel":
            in_process("channel", channel_mode, args.n, args.latency)
        elif mode == "channel-one-batch":
            in_process("one-batch", channel_one_batch_mode, args.n, args.latency)
        elif mode == "threaded":
            in_process(mode, threaded_mode, args.n, args.latency)
        elif mode == "threaded-noenv":
            in_process(
                mode, partial(threaded_mode, trust_env=False), args.n, args.latency
            )
        else:
            run_mode(args.n, args.latency)


if __name__ == "__main__":
    main()
