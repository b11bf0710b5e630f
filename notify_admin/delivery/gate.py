"""The gate every message of a channel passes on its way to the provider:
the target's circuit breaker, then its shared rate limit.

RunChannels gives each channel of a run one :class:`Gate` (``channel.gate``);
the channel base class asks it before each request (``admit(n)``: the
seconds to wait for the rate limit's slot, or an ``Outcome.held`` when the
request must not go) and tells it every answer (``observe(outcome)``).
Channels that spread a batch's requests themselves (an event loop) ask the
same questions per request. Every call is thread-safe: the base's worker
threads share the gate.

The circuit breaker (per target, per run): after ``threshold`` transient
failures in a row (time-outs, refused connections, 5xx, 429) the breaker
opens, and the run sends that target nothing more; what was already in
flight may still fail (at most ``threshold`` + the requests in flight spend
a retry). Any other answer (sent, refused for good, dead address) resets
the count. A target that tripped in an earlier run starts *probing*: one
request goes; its answer closes the breaker (the run then sends as usual)
or trips it again. The run writes the trip (and the back-off before the
next probe) through :mod:`.backoff`.
"""

import threading

from ..channels.outcome import Outcome, describe_error

CLOSED, PROBING, OPEN = "closed", "probing", "open"

#: Answers that show the provider is up (they reset the count).
ANSWERED = (Outcome.SENT, Outcome.PERMANENT, Outcome.DEAD_ADDRESS)


class Breaker:
    def __init__(self, threshold, probing=False, backing_off=None):
        self.threshold = threshold
        self.state = PROBING if probing else CLOSED
        #: The target is backing off after an earlier trip: the first answer
        #: ends that ("recovered").
        self.backing_off = probing if backing_off is None else backing_off
        self.failures = 0
        self.probe_out = False
        #: The last failure, when the breaker opened.
        self.reason = ""
        #: "tripped" / "recovered" since the run last took the changes.
        self.change = None
        self.lock = threading.Lock()

    def admit(self):
        with self.lock:
            if self.state == OPEN:
                return False
            if self.state == PROBING:
                if self.probe_out:
                    return False
                self.probe_out = True
            return True

    def give_back(self):
        """A probe taken but not sent (the daily cap refused it)."""
        with self.lock:
            if self.state == PROBING:
                self.probe_out = False

    def observe(self, outcome):
        with self.lock:
            if outcome.kind == Outcome.TRANSIENT:
                self.failures += 1
                if self.state == OPEN:
                    return
                if self.state == PROBING or (
                    self.threshold and self.failures >= self.threshold
                ):
                    text = outcome.error_message or outcome.error_code
                    if self.state == PROBING:
                        self.reason = f"The probe failed: {text}"
                    else:
                        self.reason = (
                            f"{self.failures} failures in a row; the last: {text}"
                        )
                    self.state = OPEN
                    self.change = "tripped"
            elif outcome.kind in ANSWERED:
                self.failures = 0
                if self.state == PROBING:
                    self.state = CLOSED
                    self.probe_out = False
                if self.backing_off and self.state == CLOSED:
                    self.backing_off = False
                    self.change = "recovered"

    def take_change(self):
        with self.lock:
            change, self.change = self.change, None
            return change


class Gate:
    """One channel's breaker and shared rate limit, for one run."""

    def __init__(self, breaker, limiter=None):
        self.breaker = breaker
        self.limiter = limiter
        #: Set once the daily cap is reached (or the limiter failed): the
        #: run sends this target nothing more.
        self.capped = False
        #: Whether the run has written the cap (a back-off until midnight).
        self.cap_written = False
        self.limiter_error = ""

    @property
    def stopped(self):
        """The run should claim no more rows of this target."""
        return self.breaker.state == OPEN or self.capped or bool(self.limiter_error)

    def admit(self, n=1):
        """The seconds to wait before sending ``n`` messages, or an
        ``Outcome.held`` saying why they must not be sent."""
        if not self.breaker.admit():
            if self.breaker.state == OPEN:
                return Outcome.held("circuit_open", self.breaker.reason)
            return Outcome.held("probing", "Waiting for the probe's answer.")
        if self.limiter is None:
            return 0.0
        refused = None
        if self.capped:
            refused = Outcome.held("daily_limit", self.daily_text())
        elif self.limiter_error:
            refused = Outcome.held("rate_limiter_error", self.limiter_error)
        else:
            try:
                delay = self.limiter.reserve(n)
            except Exception as err:
                # Sending without the limit would break the provider's own
                # limit: hold the target for this run instead.
                self.limiter_error = describe_error(err)
                refused = Outcome.held("rate_limiter_error", self.limiter_error)
            else:
                if delay is not None:
                    return delay
                self.capped = True
                refused = Outcome.held("daily_limit", self.daily_text())
        self.breaker.give_back()
        return refused

    def daily_text(self):
        return f"The daily limit of {self.limiter.daily_limit} messages is reached."

    def observe(self, outcome):
        self.breaker.observe(outcome)
