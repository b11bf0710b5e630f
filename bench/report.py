"""The benchmark's tables: a row's cells, the notes on how systems were run,
markdown and terminal output (bench/run.py measures; this module renders)."""

import os
import platform
from pathlib import Path

# How each system was pointed at the fakes, where that took more than a
# setting: printed (and written) with every table that has such a row.
NOTES = {
    ("dns", "expo"): (
        "django-notification-system has no setting for the Expo address: "
        "bench/sites/dns.py sets exponent_server_sdk.PushClient.DEFAULT_HOST "
        "to the fake server (its handler calls PushClient() with no host)."
    ),
    ("dns", "twilio"): (
        "django-notification-system has no setting for the Twilio address: "
        "bench/sites/dns.py wraps twilio.base.client_base.ClientBase.get_hostname "
        "so that https://api.twilio.com becomes the fake server (its handler "
        "builds a new Client per message)."
    ),
    ("any", "email-smtp"): (
        "email-smtp: the aiosmtpd sink on 127.0.0.1 records each message's "
        "envelope and does not parse the message (every system's cost, not the "
        "sink's, is what the rows measure)."
    ),
}


HEADER = [
    "system",
    "database",
    "channel",
    "latency",
    "N",
    "seconds",
    "notif/s",
    "stmts/notif",
    "peak RSS MB",
    "notify_admin/peer",
    "configuration",
]


def cells(row):
    ratio = row.ratio.get("notify_admin/peer")
    if row.system == "notify_admin":
        ratio = "—"
    fail = row.status != "ok"
    reps = f" ({row.repetitions} rep)" if row.cut_short else ""
    return [
        row.system,
        row.database,
        row.channel,
        f"{row.latency_ms} ms",
        f"{row.n:,}",
        "FAIL" if fail else f"{row.seconds:.2f}" + reps,
        row.note if fail else f"{row.per_second:,.0f}",
        ""
        if row.statements_per_notification is None
        else f"{row.statements_per_notification:.3f}",
        "" if row.peak_rss_mb is None else f"{row.peak_rss_mb:.0f}",
        "" if ratio is None else (ratio if isinstance(ratio, str) else f"{ratio:.1f}x"),
        row.configuration,
    ]


def notes(rows, labels, channels):
    found = []
    for row in rows:
        system = next(k for k, label in labels.items() if label == row.system)
        for key in [(system, channels[row.channel][0]), ("any", row.channel)]:
            if key in NOTES and NOTES[key] not in found:
                found.append(NOTES[key])
    return found


def markdown(rows, machine, found_notes):
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(map(str, cells(r))) + " |" for r in rows]
    text = f"Machine: {machine}\n\n" + "\n".join(lines) + "\n"
    if found_notes:
        text += "\n" + "\n".join(f"- {note}" for note in found_notes) + "\n"
    return text


def print_table(rows):
    table = [HEADER, *[[str(c) for c in cells(r)] for r in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    for line in table:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))


def machine_description():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
