"""The channel contract and the one send sequence every channel runs.

Shaped like Django's mail backends and django-anymail's: a channel instance is
built for one run with its settings read once (``Channel(**settings)``, the
keywords on top of ``NOTIFICATION_SYSTEM_TARGETS[provider_key]``), opens its
connection or HTTP session once (``open()`` / ``close()``, or ``with``) and
keeps it for the whole run. The base class owns the sequence of
:meth:`Channel.send_batch`:

    build each message -> transmit (one by one, or ``chunk_size`` messages a
    request, ``concurrency`` requests at once) -> classify every answer into
    one :class:`Outcome`

with one catch-all per message: a message that fails to build fails alone
(permanently), an exception from a request is that request's answer, and a
classifier that breaks makes a transient outcome. A provider module writes
only the steps in which it differs:

- ``connect()`` / ``disconnect(session)``: its client, kept in ``self.session``;
- ``build(notification)``: the provider message, or an :class:`Outcome` when
  it must not be sent (a malformed address);
- ``transmit(messages)``: one request; one answer per message, in order;
- ``classify(answer)`` and ``classify_error(err)``: answer -> Outcome.

A channel also declares what it is, on its class, and the rest of
notify_admin reads those declarations instead of naming channels (as
Django's ORM reads a database backend's ``features``): its module and target
name, address rule (:meth:`Channel.normalise_address`), settings (required,
numbers, URLs, and :meth:`Channel.setting_problems`: the system checks are
derived from them), message size (:meth:`Channel.measure`: Compose, the
preview and message templates), the part of a message template it sends
(``template_part``: ``"email"``, ``"sms"`` or ``"push"``), verdict table
(``verdicts``: provider codes -> outcome, read by
``classify`` and by feedback), threading (``sends_in_background``,
``sends_whole_batch``) and feedback: receipts to poll
(``check_receipts(ticket_ids) -> {ticket_id: Verdict}`` with
``receipt_delay`` / ``receipt_lifetime``) and webhook views to mount
(``webhooks``, by slug; ``feedback_webhook`` names the one sends ask the
provider to call back, see :meth:`Channel.feedback_webhook_url`).

A channel never writes to the database while sending. When
``concurrency`` > 1, ``transmit`` runs on the base's worker threads, unless
the channel sends a whole batch at once itself (``sends_whole_batch``).
A channel whose required settings are missing is not called at all (its rows
wait untouched); one whose provider refuses its credentials
(``Outcome.credentials``), or that raises ``ImproperlyConfigured`` while
building or sending (``Outcome.configuration``), has its rows released the
same way, and the run pauses its target.

Every request passes the run's gate (``self.gate``, set by the engine: the
target's circuit breaker and shared rate limit, see
:mod:`notify_admin.delivery.gate`): the base asks it before each request
and tells it each answer. A channel that spreads a batch's requests itself
(``sends_whole_batch``) asks it per request instead: ``gate_delay(n)``
before sending (seconds to wait, or an Outcome for a message that must not
go) and ``answered(answer)`` for each answer.
"""

import datetime
import functools
import queue
from concurrent.futures import ThreadPoolExecutor

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

from .. import conf
from .gating import GatedSending
from .outcome import Outcome, describe_error
from .verdicts import VerdictTable
from .webhooks import webhook_url

__all__ = ["Channel", "Outcome", "describe_error"]


class Channel(GatedSending):
    """Base class of the channels; subclasses fill in the provider steps."""

    # -- what the channel is (declarations, read from the class) -------------

    #: ``NotificationTarget.notification_module_name`` of its targets.
    module_name = ""
    #: The name of the target a built-in channel's target step creates.
    target_name = ""
    #: The NOTIFICATION_SYSTEM_TARGETS key holding this channel's settings.
    provider_key = ""
    #: Settings a target of this channel needs (checked before sending and by
    #: the system checks).
    required_settings = ()
    #: Settings that must be positive numbers, and http(s) URLs, when set.
    number_settings = ()
    url_settings = ()
    #: Provider codes -> outcome kind, for classify and for feedback.
    verdicts = VerdictTable()
    #: False when sending may read the database (the original package's
    #: handlers do): the run then sends this channel's rows on its own thread
    #: and connection instead of the pipeline's sending thread.
    sends_in_background = True
    #: True when ``transmit`` takes a whole batch and spreads the requests
    #: itself (an event loop): the base then calls it once per batch, on the
    #: calling thread, and starts no worker threads.
    sends_whole_batch = False
    #: Messages per provider request (1: a request per message).
    chunk_size = 1
    #: Requests in flight at once, unless the ``concurrency`` setting says.
    default_concurrency = 1

    # Feedback (optional capabilities).
    #: Webhook views mounted at ``webhooks/<module_name>/<slug>/``: ``{slug:
    #: view}``, a view or its dotted path. A view authenticates the request
    #: itself (a signature) before it reads anything: it is exempt from CSRF.
    webhooks = {}
    #: The slug of the webhook sends ask the provider to call back.
    feedback_webhook = None
    #: Provider codes (in ``verdicts``' dead addresses) that mean the address
    #: itself opted out (Twilio 21610: the number sent STOP): besides the
    #: record, every record of that address is stopped as an SMS STOP does
    #: (see :mod:`notify_admin.consent.sms`).
    opt_out_codes = frozenset()
    #: A channel with receipts to poll defines
    #: ``check_receipts(ticket_ids) -> {ticket_id: Verdict}``; tickets are
    #: asked for between ``receipt_delay`` and ``receipt_lifetime`` after the
    #: send, ``max_receipt_ids`` a request.
    check_receipts = None
    receipt_delay = datetime.timedelta(0)
    receipt_lifetime = datetime.timedelta(hours=24)
    max_receipt_ids = 1000

    @classmethod
    def normalise_address(cls, value):
        """The address in its stored form, or ValidationError. By default any
        non-blank text (stripped)."""
        value = (value or "").strip()
        if not value:
            raise ValidationError(_("This field cannot be blank."), code="blank")
        return value

    @classmethod
    def setting_problems(cls, values):
        """``[(key, message)]`` for values in ``NOTIFICATION_SYSTEM_TARGETS[
        provider_key]`` (``values``) that cannot work, beyond the declared
        numbers and URLs: system check errors naming the setting."""
        return []

    #: The part of a message template this channel sends: ``"email"``
    #: (subject, text, ``extra["html"]``), ``"sms"`` (text) or ``"push"``
    #: (title, body, ``extra["data"]``); None: templates cannot feed it.
    template_part = None

    def measure(self, title, body, extra):
        """The message's :class:`~.sizes.MessageSize`, or None when this
        channel neither limits nor bills size."""
        return None

    # -- an instance: one per run ---------------------------------------------

    def __init__(self, **settings):
        self.overrides = settings
        self.session = None
        self.is_open = False
        #: How many times open() opened a session (one per run).
        self.opened = 0
        self._workers = None
        #: The run's gate (circuit breaker, rate limit); None: no gate.
        self.gate = None

    def __repr__(self):
        return f"<{type(self).__name__} {self.module_name!r}>"

    def copy(self):
        """A new instance with the same constructor settings (one per run)."""
        return type(self)(**self.overrides)

    # -- settings: read once per instance, at first use ---------------------

    @functools.cached_property
    def settings(self):
        return {**conf.provider_settings(self.provider_key), **self.overrides}

    def setting(self, key, default=None):
        value = self.settings.get(key)
        return default if value is None or value == "" else value

    def required(self, key):
        value = self.setting(key)
        if value is None:
            name = conf.target_setting_name(self.provider_key, key)
            raise conf.ProviderNotConfigured(f"Set {name} in your Django settings.")
        return value

    def missing_settings(self):
        """The full names of the required settings that are not set."""
        return [
            conf.target_setting_name(self.provider_key, key)
            for key in self.required_settings
            if self.setting(key) is None
        ]

    def check_settings(self):
        """The name the system checks have always called."""
        return self.missing_settings()

    @property
    def concurrency(self):
        return max(1, int(self.setting("concurrency", self.default_concurrency)))

    # -- the run's session ----------------------------------------------------

    def open(self):
        """Open the provider session; True if this call opened it."""
        if self.is_open:
            return False
        self.session = self.connect()
        self.is_open = True
        self.opened += 1
        if self.concurrency > 1 and not self.sends_whole_batch:
            self._workers = ThreadPoolExecutor(
                self.concurrency, thread_name_prefix=f"notify-admin-{self.module_name}"
            )
        return True

    def close(self):
        if not self.is_open:
            return
        try:
            if self._workers is not None:
                self._workers.shutdown(wait=True)
            self.disconnect(self.session)
        finally:
            self.session, self._workers, self.is_open = None, None, False

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc_info):
        self.close()

    # -- the fixed sequence ---------------------------------------------------

    def send_batch(self, notifications):
        """Send every notification; return ``{notification.pk: Outcome}``.

        Never raises for one message. Opens the session for this call if the
        run has not (and closes it again), as Django's ``send_messages`` does.
        """
        opened = self.open()
        try:
            outcomes, ready = {}, []
            for notification in notifications:
                built = self._build(notification)
                if isinstance(built, Outcome):
                    outcomes[notification.pk] = built
                else:
                    ready.append((notification, built))
            if self.sends_whole_batch:
                chunks = [ready] if ready else []
            else:
                size = max(1, self.chunk_size)
                chunks = [ready[i : i + size] for i in range(0, len(ready), size)]
            for answered in self._fan_out(chunks):
                outcomes.update(answered)
            return outcomes
        finally:
            if opened:
                self.close()

    def _build(self, notification):
        try:
            return self.build(notification)
        except ImproperlyConfigured as err:
            # The channel's configuration, not the message: the run pauses
            # the target and releases the row untouched.
            return Outcome.configuration(err)
        except Exception as err:
            # Building is deterministic: it would fail the same way next time.
            return Outcome.permanent("message_error", describe_error(err))

    def _fan_out(self, chunks):
        """Send the chunks, up to ``concurrency`` at once: each worker takes
        the next chunk when it is done with one (a slow request holds up no
        other), and a batch costs one task per worker, not one per chunk."""
        if self._workers is None or len(chunks) <= 1:
            return [self._send_chunk(chunk) for chunk in chunks]
        todo = queue.SimpleQueue()
        for chunk in chunks:
            todo.put(chunk)
        lanes = [
            self._workers.submit(self._drain, todo)
            for _ in range(min(self.concurrency, len(chunks)))
        ]
        return [answered for lane in lanes for answered in lane.result()]

    def _drain(self, todo):
        answered = []
        while True:
            try:
                chunk = todo.get_nowait()
            except queue.Empty:
                return answered
            answered.append(self._send_chunk(chunk))

    def _send_chunk(self, chunk):
        if not self.sends_whole_batch:
            held = self.pass_gate(len(chunk))
            if held is not None:
                return {notification.pk: held for notification, _message in chunk}
        try:
            answers = list(self.transmit([message for _n, message in chunk]))
            if len(answers) != len(chunk):
                raise ValueError(f"{len(answers)} answers for {len(chunk)} messages.")
        except Exception as err:
            # Only this request's fate is unknown; the others were answered.
            # One request failed: one failure for the circuit breaker.
            answers = [self._classify(err)] * len(chunk)
        return {
            notification.pk: self._classify(answer)
            for (notification, _message), answer in zip(chunk, answers, strict=True)
        }

    def _classify(self, answer):
        """The Outcome of a provider answer (or exception), told to the gate.
        An Outcome given as the answer is passed on as it is."""
        if isinstance(answer, Outcome):
            return answer
        try:
            if isinstance(answer, ImproperlyConfigured):
                outcome = Outcome.configuration(answer)
            elif isinstance(answer, Exception):
                outcome = self.classify_error(answer)
            else:
                outcome = self.classify(answer)
        except Exception as err:
            return Outcome.transient(type(err).__name__, describe_error(err))
        if self.gate is not None:
            self.gate.observe(outcome)
        return outcome

    # -- the provider steps (override) ---------------------------------------

    def connect(self):
        """The provider client or connections for the run (``self.session``)."""
        return None

    def disconnect(self, session):
        pass

    def build(self, notification):
        return notification

    def transmit(self, messages):
        raise NotImplementedError(
            f"{type(self).__name__} must implement transmit(messages) "
            "(or send_batch(notifications))."
        )

    def classify(self, answer):
        return Outcome.sent()

    def classify_error(self, err):
        """An exception raised by ``transmit``: by default, try again later."""
        return Outcome.transient(type(err).__name__, describe_error(err))

    # -- feedback -------------------------------------------------------------

    def feedback_webhook_url(self):
        """The public URL the provider should call back, or None."""
        if not self.feedback_webhook:
            return None
        return webhook_url(self.module_name, self.feedback_webhook)

    # -- creating and previewing ----------------------------------------------

    def render_body(self, title, body, extra):
        """The body to store when the creator is given none (None: required)."""
        return None

    def preview(self, notification):
        return {
            "to": notification.user_target.target_user_id,
            "title": notification.title,
            "body": notification.body,
        }
