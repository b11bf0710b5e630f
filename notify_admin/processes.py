"""``process_notifications --processes N``: N delivery processes on one host.

Email is bound by Django's per-message mail cost in one interpreter, and one
interpreter runs Python on one core at a time: N processes use N cores. They
share nothing but the database: each claims its own batches with the same
leases as any other worker, so they need no coordination of their own.

Where the platform can fork and the calling process runs a single thread (as
``manage.py`` does), children are forked from it after Django is set up and
the system checks have run: a child starts in milliseconds with everything
imported, instead of paying a new interpreter and ``django.setup()`` on the
clock. Every database and cache connection is closed before the fork, so
parent and children share no connection, and no other thread exists to be
copied half-way through its work. Otherwise (a process with threads, such as
a test runner with its fake servers, or a platform without fork) children are
started with the ``spawn`` method: a fresh interpreter that sets Django up
from ``DJANGO_SETTINGS_MODULE``. Either way each child runs the command's own
one-shot or ``--loop`` code on its own connections. SIGTERM and SIGINT to the
parent are passed on to the children, which finish their batch and stop.
"""

import multiprocessing
import os
import queue
import signal
import sys
import threading

from django.core.cache import caches
from django.db import connections

# Nothing here imports models at import time: a spawned child imports this
# module before it has set Django up.

# What a child needs of the command's options (the rest may not pickle).
CHILD_OPTIONS = ("batch_size", "limit", "target", "loop")


def run_processes(count, options):
    """Run ``count`` children; return their results (one-shot runs) and the
    number of children that failed."""
    forked = can_fork()
    if not forked and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        raise RuntimeError(
            "--processes needs the DJANGO_SETTINGS_MODULE environment variable "
            "(the children set Django up from it)."
        )
    # Same database as this process, even where the test runner renamed it.
    options = {key: options.get(key) for key in CHILD_OPTIONS}
    names = {alias: connections[alias].settings_dict["NAME"] for alias in connections}
    # Nothing open crosses into a child: each opens its own connections.
    connections.close_all()
    caches.close_all()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    context = multiprocessing.get_context("fork" if forked else "spawn")
    results = context.Queue()
    children = [
        context.Process(
            target=child_main,
            args=(index, options, None if forked else names, results),
            name=f"notify-admin-delivery-{index}",
        )
        for index in range(count)
    ]
    for child in children:
        child.start()
    previous = {
        sig: signal.signal(sig, _forward(children))
        for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        collected = _collect(children, results)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    from .delivery.result import RunResult

    failed = sum(1 for child in children if child.exitcode)
    return [RunResult(**r) for r in collected if r], failed


def can_fork():
    """Fork children from this process: the platform can, and no other thread
    runs here (a thread holding a lock at the fork would leave it held forever
    in the child)."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


def _collect(children, results):
    """The children's reports; a child that died without one reports nothing."""
    collected = []
    while len(collected) < len(children):
        try:
            collected.append(results.get(timeout=0.5))
        except queue.Empty:
            if not any(child.is_alive() for child in children):
                break
    for child in children:
        child.join()
    return collected


def _forward(children):
    def forward(signum, frame):
        for child in children:
            if child.is_alive():
                os.kill(child.pid, signal.SIGTERM)

    return forward


def child_main(index, options, names, results):
    """One child: run the command's own code, report.

    ``names`` is None in a forked child, which has Django set up already (and
    its parent's settings); a spawned child sets Django up and points each
    database alias at the parent's database ``names``.
    """
    if names is not None:
        import django

        django.setup()
    from django.core.management.base import OutputWrapper

    from .runner import Runner

    for alias, name in (names or {}).items():
        connections[alias].settings_dict["NAME"] = name
    connections.close_all()
    runner = Runner(OutputWrapper(sys.stdout), OutputWrapper(sys.stderr))
    result = None
    try:
        if options.get("loop"):
            runner.loop(options)
            result = {}
        else:
            result = runner.run_once(options).as_dict()
    finally:
        # A child that failed reports None (and exits non-zero).
        results.put(_plain(result))
        connections.close_all()


def _plain(result):
    if result is None:
        return None
    from .delivery.result import RunResult

    # The counters and the time travel back, not the child's run id.
    keep = (*RunResult.COUNTERS, "seconds")
    return {key: result[key] for key in keep if key in result}
