"""Delivery throughput: notify_admin and its peers, side by side, in one run.

    .venv/bin/python bench/run.py          # the full matrix (long: bench/README.md)
    .venv/bin/python bench/run.py --quick  # N = 1,000, 1 repetition, SQLite, 20 ms
    .venv/bin/python bench/run.py --channels email-locmem --n 10000 --databases sqlite

Each system runs in its own virtualenv under bench/.venvs (created on first use;
the peers come from PyPI). For every row: a freshly seeded database per
repetition, the delivery command timed as a process (median of the
repetitions), its peak RSS and the SQL statements it ran (counted in-process),
and a check that every notification reached the sink or fake
server exactly once and is marked delivered; a row that fails the check prints
FAIL instead of figures. Results go to bench/results/delivery.{json,md}.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
VENVS = BENCH / ".venvs"
WORK = BENCH / ".work"
RESULTS = BENCH / "results"
sys.path.insert(0, str(REPO))

from bench.fakes import start_fake  # noqa: E402
from bench.report import (  # noqa: E402
    machine_description,
    markdown,
    notes,
    print_table,
)
from bench.systems import (  # noqa: E402, F401 (venv_python: bench/scaling.py)
    REQUIREMENTS,
    driver,
    driver_env,
    driver_system,
    tree_of,
    venv_python,
)
from bench.workload import address  # noqa: E402

PEERS = ["dns", "post_office"]
LABELS = {
    "notify_admin": "notify_admin",
    # notify_admin at the commit a change started from (bench/before.py).
    "before": "notify_admin before",
    "dns": "django-notification-system 1.5.3",
    "post_office": "django-post-office 3.x",
}
CHANNELS = {
    # name: (channel in the data model, email transport, latencies in ms)
    "email-locmem": ("email", "locmem", [0]),
    "email-smtp": ("email", "smtp", [0]),
    "expo": ("expo", None, [0, 20]),
    "twilio": ("twilio", None, [0, 20]),
}
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
# The PostgreSQL databases a run creates and drops: PREFIX_SYSTEM[_tpl].
PG_PREFIX = os.environ.get("BENCH_PG_PREFIX", "bench")


@dataclass
class Row:
    system: str
    database: str
    channel: str
    latency_ms: int
    n: int
    seconds: float | None = None
    per_second: float | None = None
    statements_per_notification: float | None = None
    peak_rss_mb: float | None = None
    repetitions: int = 0
    cut_short: bool = False
    ratio: dict = field(default_factory=dict)
    status: str = "ok"
    note: str = ""
    configuration: str = ""
    processes: int = 1
    #: The delivery process's user+sys CPU (its children's too), median.
    cpu_seconds: float | None = None
    #: How many of the machine's cores were busy while it ran (every process:
    #: this one, the database's, the fake provider's), median.
    busy_cores: float | None = None
    #: The fake provider's CPU meanwhile (it runs in this harness process;
    #: zero for locmem), median.
    fake_cpu_seconds: float | None = None


# -- virtualenvs ---------------------------------------------------------------


# -- databases -----------------------------------------------------------------


def psql(sql, db="postgres"):
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", f"{PG_URL}/{db}", "-c", sql],
        check=True,
        capture_output=True,
    )


def fresh_database(system, database):
    """A migrated, empty database for one repetition (copied from a template)."""
    python = venv_python(system)
    if database == "sqlite":
        template = WORK / f"{system}.template.sqlite3"
        target = WORK / f"{system}.sqlite3"
        # Migrated afresh once per invocation: a template left by an earlier
        # checkout would lack the migrations added since.
        if not getattr(fresh_database, f"sqlite_{system}", False):
            template.unlink(missing_ok=True)
            driver(python, system, "migrate", url=f"sqlite:///{template}")
            setattr(fresh_database, f"sqlite_{system}", True)
        for suffix in ["", "-wal", "-shm"]:
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copy(template, target)
        return f"sqlite:///{target}"
    template, name = f"{PG_PREFIX}_{system}_tpl", f"{PG_PREFIX}_{system}"
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    if not getattr(fresh_database, f"migrated_{system}", False):
        psql(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)")
        psql(f"CREATE DATABASE {template}")
        driver(python, system, "migrate", url=f"{PG_URL}/{template}")
        setattr(fresh_database, f"migrated_{system}", True)
    psql(f"CREATE DATABASE {name} TEMPLATE {template}")
    return f"{PG_URL}/{name}"


# -- one measurement ------------------------------------------------------------


def machine_busy():
    """Jiffies the machine's cores spent busy so far (/proc/stat), or None."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return None
    idle, iowait = fields[3], fields[4]
    return sum(fields[:8]) - idle - iowait


def timed_delivery(
    python,
    system,
    url,
    env,
    outbox,
    counts,
    channel,
    processes=1,
    usage_out=None,
    busy_out=None,
):
    """Run the delivery command as a process; return (seconds, peak RSS in MB).

    The process counts its own SQL statements (an execute wrapper on every
    connection: about a microsecond a statement, noise beside the statement).
    ``usage_out``, a list, gets the process's user+sys CPU (children included);
    ``busy_out`` how many cores the whole machine kept busy meanwhile and
    this harness's own CPU (the fake provider's, which runs here), a pair.
    """
    full_env = driver_env(system, env, url)
    args = [python, BENCH / "driver.py", driver_system(system), "deliver"]
    args += ["--outbox", outbox, "--count-sql", counts, "--channel", channel]
    if processes > 1:
        args += ["--processes", str(processes)]
    # Its log (post-office logs every batch) goes to a file, as under cron,
    # not to this terminal; it is shown when the process fails.
    log = WORK / f"{system}.deliver.log"
    with open(log, "wb") as stderr:
        busy_before = machine_busy()
        harness_before = time.process_time()
        start = time.perf_counter()
        process = subprocess.Popen(
            args, env=full_env, cwd=tree_of(system), stderr=stderr
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        busy_after = machine_busy()
        harness = time.process_time() - harness_before
    if usage_out is not None:
        # wait4 reports the children the process waited for, too.
        usage_out.append(usage.ru_utime + usage.ru_stime)
    if busy_out is not None and busy_before is not None and busy_after is not None:
        ticks = os.sysconf("SC_CLK_TCK")
        busy_out.append(((busy_after - busy_before) / ticks / seconds, harness))
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        tail = log.read_text(errors="replace")[-2000:]
        print(tail, file=sys.stderr)
        raise RuntimeError(f"{system} delivery exited with {process.returncode}")
    return seconds, usage.ru_maxrss / 1024


def check_exactly_once(python, system, url, channel, n, received):
    """What went wrong, or "". ``received`` None: nothing to compare on the
    provider's side (a locmem outbox lives in each delivery process), only
    the rows."""
    expected = Counter(address(channel, i) for i in range(n))
    got = Counter(expected if received is None else received)
    missing = sum((expected - got).values())
    duplicates = sum((got - expected).values())
    stats = json.loads(driver(python, system, "stats", url=url, capture=True).stdout)
    delivered = stats["counts"].get(stats["delivered"], 0)
    problems = []
    if missing:
        problems.append(f"{missing} never reached the server")
    if duplicates:
        problems.append(f"{duplicates} received more than once")
    if delivered != n:
        problems.append(f"{delivered}/{n} marked delivered {stats['counts']}")
    return "; ".join(problems)


def measure(
    system,
    database,
    channel_name,
    latency,
    n,
    repeats,
    slow_seconds,
    processes=1,
    env=None,
):
    channel, transport, _ = CHANNELS[channel_name]
    row = Row(LABELS[system], database, channel_name, latency, n, processes=processes)
    python = venv_python(system)
    times, rss, cpus, busy = [], [], [], []
    try:
        for _ in range(repeats):
            if times and times[0] > slow_seconds:
                # A repetition this long is waiting on the provider, not on the
                # machine: more of them would say little and cost many minutes.
                row.cut_short = True
                break
            url = fresh_database(system, database)
            driver(python, system, "seed", channel, str(n), url=url)
            outbox = WORK / f"{system}.outbox.json"
            counts = WORK / f"{system}.sql.json"
            with start_fake(channel, transport, latency) as fake:
                seconds, peak = timed_delivery(
                    python,
                    system,
                    url,
                    {**fake.env, **(env or {})},
                    outbox,
                    counts,
                    channel,
                    processes,
                    cpus,
                    busy,
                )
                received = fake.received()
            if transport == "locmem":
                # Several processes: each had its own outbox; rows only.
                received = json.loads(outbox.read_text()) if processes == 1 else None
            problem = check_exactly_once(python, system, url, channel, n, received)
            if problem:
                row.status, row.note = "FAIL", problem
                return row
            times.append(seconds)
            counted = json.loads(counts.read_text())
            # The process's own high-water mark (see driver.peak_rss_kb);
            # wait4's ru_maxrss where /proc is missing.
            own = counted.get("peak_rss_kb")
            rss.append(own / 1024 if own else peak)
            statements = counted["statements"]
            row.configuration = counted.get("configuration", "")
            if processes > 1:
                row.configuration += f"; --processes {processes}"
            else:
                # Children count their own statements, not reported here.
                row.statements_per_notification = round(statements / n, 4)
    except (RuntimeError, subprocess.CalledProcessError) as err:
        row.status, row.note = "FAIL", str(err)[:200]
        return row
    row.repetitions = len(times)
    row.cpu_seconds = round(statistics.median(cpus), 3)
    if busy:
        row.busy_cores = round(statistics.median(b for b, _ in busy), 2)
        row.fake_cpu_seconds = round(statistics.median(h for _, h in busy), 3)
    row.seconds = round(statistics.median(times), 3)
    row.per_second = round(n / row.seconds, 1)
    row.peak_rss_mb = round(max(rss), 1)
    return row


# -- the matrix ----------------------------------------------------------------


def plan(args):
    for database in args.databases:
        for channel_name in args.channels:
            channel, _, latencies = CHANNELS[channel_name]
            for latency in latencies:
                # --latencies picks among the HTTP channels' latencies only.
                wanted = args.latencies
                if len(latencies) > 1 and wanted is not None and latency not in wanted:
                    continue
                for n in args.n:
                    for system in args.systems:
                        if system == "post_office" and channel != "email":
                            continue
                        yield system, database, channel_name, latency, n


def add_ratios(rows):
    ours = {
        (r.database, r.channel, r.latency_ms, r.n): r
        for r in rows
        if r.system == "notify_admin" and r.status == "ok"
    }
    for row in rows:
        mine = ours.get((row.database, row.channel, row.latency_ms, row.n))
        if row.system == "notify_admin" or not mine or row.status != "ok":
            continue
        row.ratio = {"notify_admin/peer": round(mine.per_second / row.per_second, 2)}
        mine.ratio[row.system] = row.ratio["notify_admin/peer"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=1,000, 1 repetition")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--channels", nargs="+", default=list(CHANNELS))
    parser.add_argument("--latencies", type=int, nargs="+", default=None)
    parser.add_argument("--systems", nargs="+", default=["notify_admin", *PEERS])
    parser.add_argument("--output", default="delivery", help="results file stem")
    parser.add_argument(
        "--slow-seconds",
        type=float,
        default=60,
        help="a row whose first repetition takes longer is not repeated",
    )
    args = parser.parse_args()
    if args.quick:
        # Day-to-day figures in under two minutes: the rows the targets name.
        args.n, args.repeats, args.databases = [1000], 1, ["sqlite"]
        args.latencies = [20]
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for system in args.systems:
        venv_python(system)
    rows = []
    for system, database, channel, latency, n in plan(args):
        print(f"- {system} {database} {channel} {latency}ms N={n}", flush=True)
        row = measure(
            system, database, channel, latency, n, args.repeats, args.slow_seconds
        )
        print(f"  {row.status} {row.per_second or ''}/s {row.note}", flush=True)
        rows.append(row)
    add_ratios(rows)
    machine = machine_description()
    print(f"\n{machine}\n")
    print_table(rows)
    found = notes(rows, LABELS, CHANNELS)
    if found:
        print("\n" + "\n".join(f"- {note}" for note in found))
    payload = {
        "machine": machine,
        "args": vars(args),
        "notes": found,
        "rows": [asdict(r) for r in rows],
    }
    (RESULTS / f"{args.output}.json").write_text(json.dumps(payload, indent=1))
    (RESULTS / f"{args.output}.md").write_text(markdown(rows, machine, found))
    print(f"\nwrote {RESULTS / args.output}.json and .md")


if __name__ == "__main__":
    main()
