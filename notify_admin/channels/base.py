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

Feedback (optional, see :mod:`notify_admin.feedback`): a channel may offer
receipts to poll, ``check_receipts(ticket_ids) -> {ticket_id: Verdict}``
(Expo), and/or declare the webhook that receives its status callbacks,
``feedback_webhook`` (a URL name; Twilio): sends then ask the provider for
it (:meth:`Channel.feedback_webhook_url`) when the public URL is set.

A channel never writes to the database while sending. When
``concurrency`` > 1, ``transmit`` runs on the base's worker threads.
``required_settings`` name the provider settings a target needs: a channel
whose settings are missing is not called at all (its rows wait untouched).
"""

import functools
import queue
from concurrent.futures import ThreadPoolExecutor

from .. import conf
from .outcome import Outcome, describe_error

__all__ = ["Channel", "Outcome", "describe_error"]


class Channel:
    """Base class of the channels; subclasses fill in the provider steps."""

    module_name = ""
    #: The NOTIFICATION_SYSTEM_TARGETS key holding this channel's settings.
    provider_key = ""
    #: Settings a target of this channel needs (checked before sending and by
    #: the system checks).
    required_settings = ()
    #: Messages per provider request (1: a request per message).
    chunk_size = 1
    #: Requests in flight at once, unless the ``concurrency`` setting says.
    default_concurrency = 1

    def __init__(self, **settings):
        self.overrides = settings
        self.session = None
        self.is_open = False
        #: How many times open() opened a session (one per run).
        self.opened = 0
        self._workers = None

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
        if self.concurrency > 1:
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
        try:
            answers = list(self.transmit([message for _n, message in chunk]))
            if len(answers) != len(chunk):
                raise ValueError(f"{len(answers)} answers for {len(chunk)} messages.")
        except Exception as err:
            # Only this request's fate is unknown; the others were answered.
            answers = [err] * len(chunk)
        return {
            notification.pk: self._classify(answer)
            for (notification, _message), answer in zip(chunk, answers, strict=True)
        }

    def _classify(self, answer):
        try:
            if isinstance(answer, Outcome):
                return answer
            if isinstance(answer, Exception):
                return self.classify_error(answer)
            return self.classify(answer)
        except Exception as err:
            return Outcome.transient(type(err).__name__, describe_error(err))

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

    # -- feedback (optional capabilities) -------------------------------------

    #: The URL name of the view receiving this channel's status callbacks.
    feedback_webhook = None
    #: A channel with receipts to poll defines
    #: ``check_receipts(ticket_ids) -> {ticket_id: Verdict}``.
    check_receipts = None

    def feedback_webhook_url(self):
        """The public URL the provider should call back, or None."""
        if not self.feedback_webhook:
            return None
        from ..feedback.webhooks import absolute_url

        return absolute_url(self.feedback_webhook)

    # -- creating and previewing ----------------------------------------------

    def create_notification(
        self,
        user,
        title,
        body,
        scheduled_delivery=None,
        retry_time_interval=0,
        max_retries=3,
        quiet=False,
        extra=None,
    ):
        """Create a notification for each of the user's active records of
        this channel (see :func:`notify_admin.creators.create_notification`)."""
        from ..creators import create_for_module

        return create_for_module(
            self.module_name,
            user,
            title,
            body,
            scheduled_delivery=scheduled_delivery,
            retry_time_interval=retry_time_interval,
            max_retries=max_retries,
            quiet=quiet,
            extra=extra,
        )

    def render_body(self, title, body, extra):
        """The body to store when the creator is given none (None: required)."""
        return None

    def preview(self, notification):
        return {
            "to": notification.user_target.target_user_id,
            "title": notification.title,
            "body": notification.body,
        }
