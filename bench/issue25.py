"""Issue 25's figures, before and after, with the peers, in one run.

    .venv/bin/python bench/issue25.py                   # every part (~20 min quiet)
    .venv/bin/python bench/issue25.py --parts startup dashboard
    .venv/bin/python bench/issue25.py --repeats 1       # one repetition a row

"after" is this checkout, "before" notify_admin at the commit the issue
started from (bench/before.py: a worktree and its own virtualenv), the peers
django-notification-system 1.5.3 and django-post-office 3.x as bench/run.py
installs them. Every delivery row is bench/run.py's measurement: a freshly
seeded PostgreSQL database per repetition (``BENCH_PG_URL``, databases
``BENCH_PG_PREFIX``\\_SYSTEM), the delivery command timed as a process (wall,
start-up included, as cron runs it; median of ``--repeats``), its user+sys
CPU, and the exactly-once check. Parts:

- ``email``: 10,000 emails on locmem and over SMTP (the envelope-only sink),
  one process and ``--processes 2`` (post-office's own ``--processes 2``);
- ``engine``: one process, with the email thread pool (4 connections, the
  default) and without (1), locmem and SMTP; Django's own cost per message
  (bench/email_floor.py) against the rest of the process's CPU per message;
- ``twilio``: 1,000 SMS at 20 ms against the peer, and 10,000 against the
  800/s that 16 requests in flight allow;
- ``expo``: 1,000 pushes at 20 ms against the peer;
- ``startup``: ``process_notifications`` with nothing due with the
  console's settings (``notify_admin.site.settings``, SQLite, DEBUG off):
  ``django.setup()`` alone and the whole command, fresh processes, median;
- ``dashboard``: the dashboard computed without its cache over 1,000,000
  notifications (bench/admin_scale.py's database, seeded on first use;
  bench/dashboard_uncached.py), before and after, on the same database.

Prints each table with the load average at its end; writes
bench/results/issue25.{json,md}. Figures are only worth comparing within one
run on a quiet machine.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import before  # noqa: E402
from bench.issue25_console import part_dashboard, part_startup  # noqa: E402, F401
from bench.run import RESULTS, WORK, machine_description, measure  # noqa: E402

OURS = REPO / ".venv" / "bin" / "python"
PARTS = ["email", "engine", "twilio", "expo", "startup", "dashboard"]
TWILIO_CEILING = 800  # 16 requests in flight, 20 ms each


def load():
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


class Report:
    def __init__(self):
        self.lines = []
        self.data = {}

    def table(self, title, header, rows, note="", extra=""):
        lines = [f"### {title}", "", "| " + " | ".join(header) + " |"]
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
        lines += ["", f"({load()}{'; ' + note if note else ''})", extra, ""]
        text = "\n".join(lines)
        print(text, flush=True)
        self.lines.append(text)


def seconds(row):
    return f"{row.seconds:.2f} s" if row.status == "ok" else f"FAIL: {row.note}"


def busy(row):
    """How many of the machine's cores were busy during the row's run, and
    the delivery's own CPU (its children's included)."""
    if row.status != "ok" or row.busy_cores is None:
        return "–"
    text = f"{row.busy_cores:.2f}/{os.cpu_count()} ({row.cpu_seconds:.2f} s CPU"
    if row.fake_cpu_seconds and row.fake_cpu_seconds >= 0.01:
        text += f"; the sink {row.fake_cpu_seconds:.2f} s"
    return text + ")"


def ratio(a, b):
    if a.status != "ok" or b.status != "ok":
        return "—"
    return f"{b.seconds / a.seconds:.2f}x"


def delivery(system, channel, n, repeats, processes=1, latency=0, env=None):
    print(f"- {system} {channel} N={n} x{processes} {latency} ms", flush=True)
    row = measure(system, "postgres", channel, latency, n, repeats, 120, processes, env)
    print(f"  {row.status} {row.seconds} s {row.note}", flush=True)
    return row


# -- parts ---------------------------------------------------------------------


def part_email(report, args):
    rows, results = [], {}
    for channel in ("email-locmem", "email-smtp"):
        one = {
            s: delivery(s, channel, args.n, args.repeats)
            for s in ("notify_admin", "before", "post_office")
        }
        if channel == "email-locmem":
            one["dns"] = delivery("dns", channel, args.n, args.repeats)
        two = {
            s: delivery(s, channel, args.n, args.repeats, processes=2)
            for s in ("notify_admin", "before", "post_office")
        }
        results[channel] = {"one": one, "two": two}
        ours, old = one["notify_admin"], one["before"]
        rows.append(
            [
                f"{channel}, 1 process",
                seconds(ours),
                seconds(old),
                seconds(one["dns"]) if "dns" in one else "–",
                seconds(one["post_office"]),
                ratio(ours, old),
                " / ".join(
                    ratio(ours, one[p]) for p in ("dns", "post_office") if p in one
                ),
                "",
                busy(ours),
            ]
        )
        ours2, old2 = two["notify_admin"], two["before"]
        rows.append(
            [
                f"{channel}, --processes 2",
                seconds(ours2),
                seconds(old2),
                "–",
                seconds(two["post_office"]),
                ratio(ours2, old2),
                ratio(ours2, two["post_office"]),
                f"after {ratio(ours2, ours)}, before {ratio(old2, old)}, "
                f"post-office {ratio(two['post_office'], one['post_office'])}",
                busy(ours2),
            ]
        )
    report.table(
        f"Email, {args.n:,} on PostgreSQL (wall of the process, start-up included)",
        [
            "workload",
            "after",
            "before",
            "original 1.5.3",
            "post-office 3.x",
            "after vs before",
            "after vs peers",
            "2 processes vs 1",
            "after: cores busy (machine), its CPU",
        ],
        rows,
        "target: --processes 2 ≥ 1.7x one process on locmem, ≥ 1.5x over SMTP; "
        "one process on locmem ≤ 1.5 s and ≥ 20x the original; cores busy: "
        "/proc/stat over the run, every process (ours, PostgreSQL's, the sink)",
    )
    report.data["email"] = {
        channel: {k: {s: r.__dict__ for s, r in v.items()} for k, v in result.items()}
        for channel, result in results.items()
    }


def email_floor():
    out = subprocess.run(
        [OURS, REPO / "bench" / "email_floor.py", "--n", "3000", "--json"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def part_engine(report, args):
    floor = email_floor()
    empty = delivery("notify_admin", "email-locmem", 1, args.repeats)
    rows, data = [], {"floor": floor, "startup_cpu": empty.cpu_seconds}
    for channel, backend in (("email-locmem", "locmem"), ("email-smtp", "smtp")):
        for workers in (4, 1):
            row = delivery(
                "notify_admin",
                channel,
                args.n,
                args.repeats,
                env={"BENCH_EMAIL_CONCURRENCY": str(workers)},
            )
            data[f"{channel}-{workers}"] = row.__dict__
            if row.status != "ok":
                rows.append([channel, workers, seconds(row), "", "", "", ""])
                continue
            per = (row.cpu_seconds - empty.cpu_seconds) / args.n * 1e6
            django_own = floor[backend]["cpu_us"]
            rows.append(
                [
                    channel,
                    f"{workers} connection(s)",
                    seconds(row),
                    f"{row.cpu_seconds:.2f} s",
                    f"{per:.0f} µs",
                    f"{django_own:.0f} µs",
                    f"{per - django_own:.0f} µs",
                ]
            )
    report.table(
        f"The engine's own cost, one process, {args.n:,} emails on PostgreSQL",
        [
            "channel",
            "email thread pool",
            "wall",
            "process CPU",
            "CPU per email",
            "Django's own (MIME build, send)",
            "ours (claim, bookkeeping, recording)",
        ],
        rows,
        f"start-up and an empty run: {empty.cpu_seconds:.2f} s of CPU, left out of "
        "the per-email figures; Django's own is bench/email_floor.py, one thread",
    )
    report.data["engine"] = data


def part_http(report, args, channel):
    rows, data = [], {}
    small = {
        s: delivery(s, channel, 1000, args.repeats, latency=20)
        for s in ("notify_admin", "before", "dns")
    }
    data["1000"] = {s: r.__dict__ for s, r in small.items()}
    rows.append(
        [
            f"{channel} at 20 ms, 1,000",
            seconds(small["notify_admin"]),
            seconds(small["before"]),
            seconds(small["dns"]),
            ratio(small["notify_admin"], small["before"]),
            ratio(small["notify_admin"], small["dns"]),
            "",
        ]
    )
    if channel == "twilio":
        big = {
            s: delivery(s, channel, 10000, args.repeats, latency=20)
            for s in ("notify_admin", "before")
        }
        data["10000"] = {s: r.__dict__ for s, r in big.items()}

        def pace(row):
            if row.status != "ok":
                return "—"
            rate = 10000 / row.seconds
            return (
                f"{rate:,.0f}/s = {rate / TWILIO_CEILING:.0%} of 800/s "
                f"({row.cpu_seconds:.1f} s CPU)"
            )

        rows.append(
            [
                "twilio at 20 ms, 10,000",
                seconds(big["notify_admin"]),
                seconds(big["before"]),
                "–",
                ratio(big["notify_admin"], big["before"]),
                "",
                f"after {pace(big['notify_admin'])}; before {pace(big['before'])}",
            ]
        )
    note = ""
    if channel == "twilio":
        # What stands between a run and 800/s: the channel alone in batches
        # of 500, the channel in one batch (no boundaries), a whole run.
        breakdown = subprocess.run(
            [OURS, REPO / "bench" / "twilio_cpu.py", "--modes", "channel"]
            + ["channel-one-batch", "run"],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        data["breakdown"] = breakdown
        note = "bench/twilio_cpu.py, same run:\n\n```\n" + breakdown + "\n```"
    report.table(
        f"{channel.capitalize()} on PostgreSQL, fake provider at 20 ms",
        ["workload", "after", "before", "original 1.5.3", "after vs before"]
        + ["after vs original", "pace"],
        rows,
        "target: Twilio ≥ 90% of 800/s over 10,000" if channel == "twilio" else "",
        note,
    )
    report.data[channel] = data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=PARTS, choices=PARTS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--startup-runs", type=int, default=15)
    parser.add_argument("--output", default="issue25")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = Report()
    tree, _python, commit = before.ensure()
    header = (
        f"Machine: {machine_description()}; before = {commit[:10]} ({tree}); "
        f"{load()} at the start"
    )
    print(header, flush=True)
    for part in args.parts:
        if part in ("twilio", "expo"):
            part_http(report, args, part)
        else:
            globals()[f"part_{part}"](report, args)
        # Written after each part: a part that fails loses only itself.
        text = header + "\n\n" + "\n".join(report.lines)
        (RESULTS / f"{args.output}.md").write_text(text)
        (RESULTS / f"{args.output}.json").write_text(
            json.dumps({"machine": header, **report.data}, indent=1, default=str)
        )
    print(f"wrote {RESULTS / args.output}.md and .json")


if __name__ == "__main__":
    main()
