"""Counts for docs/reliability.md, taken from an actual run of the suite.

The reliability, bad-input and security tests call :func:`tally` as they go
(faults injected, inputs tried, notifications lost, sent twice); this plugin
adds the number of cases run and passed, prints the totals at the end of the
session, writes them as JSON to ``$NA_RELIABILITY_REPORT`` when set, and
rewrites the figures section of ``$NA_RELIABILITY_DOC`` (docs/reliability.md)
when set.
"""

import json
import os
import re
from collections import Counter
from datetime import UTC, datetime

import pytest

COUNTS = Counter()
# The reliability, bad-input and security suites (docs/reliability.md).
SUITE_FILES = (
    "tests/operations/test_reliability_",
    "tests/models/test_bad_input.py",
    "tests/admin/test_bad_input.py",
    "tests/admin/test_security_",
    "tests/admin/test_fuzz_",
    "tests/browser/test_security.py",
    "tests/deploy/test_security_settings.py",
)


def tally(key, n=1):
    COUNTS[key] += n


def _in_suite(nodeid):
    return any(name in nodeid for name in SUITE_FILES)


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report):
    if not _in_suite(report.nodeid):
        return
    if report.when == "call":
        COUNTS["cases run"] += 1
        COUNTS["cases passed"] += report.passed
    elif report.when == "setup" and report.skipped:
        COUNTS["cases skipped"] += 1


def pytest_terminal_summary(terminalreporter):
    if not COUNTS:
        return
    terminalreporter.section("reliability figures")
    for key in sorted(COUNTS):
        terminalreporter.write_line(f"{key}: {COUNTS[key]}")
    path = os.environ.get("NA_RELIABILITY_REPORT")
    if path:
        with open(path, "w") as file:
            json.dump(dict(sorted(COUNTS.items())), file, indent=2)
            file.write("\n")
    doc = os.environ.get("NA_RELIABILITY_DOC")
    if doc:
        write_figures(doc)


FIGURES = re.compile(r"(<!-- figures:start -->\n).*?(<!-- figures:end -->)", re.S)


def write_figures(path):
    from django.db import connection

    lines = [
        f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {connection.vendor}:",
        "",
        "| figure | count |",
        "| --- | ---: |",
        *(f"| {key} | {COUNTS[key]} |" for key in sorted(COUNTS)),
        "",
    ]
    with open(path) as file:
        text = file.read()
    text = FIGURES.sub(lambda m: m[1] + "\n".join(lines) + m[2], text)
    with open(path, "w") as file:
        file.write(text)
