"""RunResult: what a delivery run reports, changed only through its methods.

The run (:mod:`.run`) owns its result: it starts it (``started``), the
pipeline and recording add to it (``add``) and the run finishes it
(``finished``); ``total`` adds up the results of several processes.
"""

from dataclasses import asdict, dataclass, field


@dataclass
class RunResult:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    inactive: int = 0
    opted_out: int = 0
    #: Rows held by quiet hours or a blackout period (moved to a later time).
    deferred: int = 0
    skipped: int = 0
    #: Rows left unsent because their channel's provider is not configured
    #: (or refused the credentials, or raised ImproperlyConfigured: its
    #: target is then paused).
    not_configured: int = 0
    #: Rows left unsent because their target is paused.
    paused: int = 0
    #: Rows held back untouched: the target's circuit breaker opened, or its
    #: daily cap was reached.
    held: int = 0
    seconds: float = 0.0
    #: The DeliveryRun row of this run (None for a dry run).
    run_id: int | None = None
    #: Channel module name -> the settings it is missing.
    missing_settings: dict = field(default_factory=dict)

    #: The counters a DeliveryRun row keeps.
    RUN_COUNTERS = (
        "claimed",
        "delivered",
        "retried",
        "failed",
        "inactive",
        "opted_out",
        "deferred",
    )
    #: Every counter (what ``add`` and ``total`` add up).
    COUNTERS = (*RUN_COUNTERS, "skipped", "not_configured", "paused", "held")

    def add(self, counts=None, **more):
        """Add ``counts`` (``{counter: n}``) and keyword counts."""
        for name, count in {**(counts or {}), **more}.items():
            if name not in self.COUNTERS:
                raise KeyError(f"RunResult has no counter {name!r}.")
            setattr(self, name, getattr(self, name) + count)

    def started(self, run_id):
        self.run_id = run_id

    def finished(self, seconds, missing_settings=None, not_configured=None):
        self.seconds = seconds
        self.missing_settings = dict(missing_settings or {})
        if not_configured is not None:
            self.not_configured = not_configured

    @classmethod
    def total(cls, results):
        """One result adding up ``results`` (wall time: the longest)."""
        summed = cls()
        for result in results:
            summed.add({name: getattr(result, name) for name in cls.COUNTERS})
            summed.seconds = max(summed.seconds, result.seconds)
        return summed

    def as_dict(self):
        return asdict(self)

    def run_counts(self):
        return {name: getattr(self, name) for name in self.RUN_COUNTERS}

    def summary(self):
        text = (
            f"delivered={self.delivered} retry={self.retried} failed={self.failed} "
            f"inactive={self.inactive} opted_out={self.opted_out} "
            f"skipped={self.skipped}"
        )
        if self.deferred:
            text += f" deferred={self.deferred}"
        if self.not_configured:
            text += f" not_configured={self.not_configured}"
        if self.paused:
            text += f" paused={self.paused}"
        if self.held:
            text += f" held={self.held}"
        return f"{text} in {self.seconds:.2f}s"
