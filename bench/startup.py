"""Start-up cost of ``manage.py process_notifications``, and what each import costs.

    .venv/bin/python bench/startup.py                 # 7 runs per case
    .venv/bin/python bench/startup.py --in-use email  # one case

For each case a SQLite database is migrated and given 100 users with an
active record in one channel (``--in-use``) and nothing due, so the timed
process is start-up only: Python, Django set-up, the system checks, an empty
delivery run. Each run is a fresh process (as cron starts it); the median of
its wall time and of its user+sys CPU (``wait4``) are printed. One more run
under ``python -X importtime`` gives the cumulative import time of the
packages that matter here; on a loaded machine every figure is inflated and
only the differences within one invocation mean much.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SDKS = ["requests", "twilio", "exponent_server_sdk", "phonenumbers"]


def timed(command, env):
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(map(str, command))} failed:\n{stderr[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, stderr


def import_costs(stderr):
    """({top-level package: microseconds}, total): each module's own import
    time (``-X importtime``'s "self" column) added to its top-level package."""
    costs = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, _cumulative, name = line[len("import time:") :].split("|")
        if not own.strip().isdigit():
            continue
        package = name.strip().split(".")[0]
        costs[package] = costs.get(package, 0) + int(own)
    return costs, sum(costs.values())


def top(costs, count=10):
    """The ``count`` costliest packages, and the SDKs whatever their cost."""
    ranked = sorted(costs.items(), key=lambda item: -item[1])
    shown = ranked[:count]
    shown += [(name, costs.get(name, 0)) for name in SDKS if name not in dict(shown)]
    return shown


def case(channel, runs, workdir):
    url = f"sqlite:///{workdir}/{channel}.sqlite3"
    env = {**os.environ, "BENCH_DATABASE_URL": url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    driver = [sys.executable, str(REPO / "bench" / "driver.py"), "notify_admin"]
    subprocess.run([*driver, "migrate"], env=env, check=True, cwd=REPO)
    subprocess.run([*driver, "seed-records", channel, "100"], env=env, check=True)
    env["DJANGO_SETTINGS_MODULE"] = "bench.sites.notify_admin"
    command = [sys.executable, str(REPO / "manage.py"), "process_notifications"]
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu, _err = timed(command, env)
        walls.append(wall)
        cpus.append(cpu)
    _wall, _cpu, stderr = timed([sys.executable, "-X", "importtime", *command[1:]], env)
    costs, total = import_costs(stderr)
    print(
        f"{channel} in use: wall {statistics.median(walls):.3f} s, "
        f"CPU {statistics.median(cpus):.3f} s (median of {runs}); "
        f"imports {total / 1e6:.3f} s: "
        + ", ".join(f"{name} {us / 1e3:.0f} ms" for name, us in top(costs)),
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--in-use", nargs="+", default=["email", "twilio", "expo"], dest="in_use"
    )
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as workdir:
        for channel in args.in_use:
            case(channel, args.runs, workdir)


if __name__ == "__main__":
    main()
