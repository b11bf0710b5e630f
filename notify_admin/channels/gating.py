"""What a channel asks the run's gate (circuit breaker, shared rate limit)
before each request, and tells it after: the part of the channel contract
that :mod:`notify_admin.delivery.gate` answers. ``self.gate`` is set by the
engine for a run (None: no gate, as when a channel is used on its own)."""

import time

from .outcome import Outcome


class GatedSending:
    gate = None

    def gate_delay(self, n=1):
        """Seconds to wait before sending ``n`` messages, or an Outcome
        (``Outcome.held``) when they must not be sent."""
        return 0.0 if self.gate is None else self.gate.admit(n)

    @property
    def gate_blocks(self):
        """Whether asking the gate may wait on the network (a shared rate
        limit books its slots in Redis or the database)."""
        return getattr(self.gate, "limiter", None) is not None

    def pass_gate(self, n=1):
        """Wait for the gate: None when the ``n`` messages may go now, else
        the Outcome to give them."""
        delay = self.gate_delay(n)
        if isinstance(delay, Outcome):
            return delay
        if delay > 0:
            time.sleep(delay)
        return None

    def answered(self, answer):
        """A ``sends_whole_batch`` channel's answer as it arrives: its
        Outcome, told to the gate (the base passes an Outcome on as is)."""
        return self._classify(answer)
