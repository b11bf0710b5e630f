"""A complete extra channel, as a host project would write one: a Channel
subclass that declares everything about itself, found through
``NOTIFICATION_SYSTEM_HANDLERS = ["tests.extensions.handlers"]``.

It talks JSON over HTTP to a telegraph office (``tests/support/fakes/telegraph.py``)
and offers what the built-in channels offer: an address rule, required
settings (so system checks), a size limit (Compose, the preview), a verdict
table for sends and feedback alike, sending from the pipeline's threads,
receipts to poll and a signed webhook.
"""

import hashlib
import hmac
import json
import re
import threading

import requests
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden

from notify_admin.channels.base import Channel, Outcome
from notify_admin.channels.sizes import MessageSize
from notify_admin.channels.verdicts import CONFIRMED, Verdict, VerdictTable
from notify_admin.feedback.recording import apply_to_provider_id

MODULE_NAME = "telegraph"
LIMIT = 500
STATION_RE = re.compile(r"^@[a-z0-9_]{2,30}$")

VERDICTS = VerdictTable(
    dead_address={"no_such_station": "the station was closed"},
    transient={"line_busy": "the line is busy"},
    permanent={"message_too_long": "over 500 characters"},
    credentials={"bad_key": "the office does not know this key"},
    http={401: Outcome.CREDENTIALS},
)

#: Threads transmit() ran on (the pipeline's, not the run's own).
threads = []


class TelegraphChannel(Channel):
    module_name = MODULE_NAME
    provider_key = "telegraph"
    required_settings = ("api_key", "office_url")
    url_settings = ("office_url",)
    number_settings = ("timeout",)
    verdicts = VERDICTS
    sends_in_background = True
    default_concurrency = 2
    webhooks = {"status": "tests.extensions.handlers.telegraph.status_webhook"}
    feedback_webhook = "status"

    @classmethod
    def normalise_address(cls, value):
        value = (value or "").strip().lower()
        if not STATION_RE.match(value):
            raise ValidationError(f"{value!r} is not a telegraph station (@name).")
        return value

    def measure(self, title, body, extra):
        error = (
            f"{len(body)} characters; the office takes {LIMIT}."
            if len(body) > LIMIT
            else ""
        )
        return MessageSize(f"Telegram: {len(body)} of {LIMIT}.", error=error)

    def connect(self):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.required('api_key')}"
        return session

    def disconnect(self, session):
        session.close()

    def build(self, notification):
        return {
            "to": notification.user_target.target_user_id,
            "text": f"{notification.title}: {notification.body}",
            "callback": self.feedback_webhook_url(),
        }

    def transmit(self, messages):
        threads.append(threading.current_thread().name)
        (message,) = messages
        response = self.session.post(
            f"{self.setting('office_url')}/send",
            json=message,
            timeout=float(self.setting("timeout", 1)),
        )
        if response.status_code == 200:
            return [response.json()["id"]]
        error = response.json().get("error", "") if response.content else ""
        kind = VERDICTS.kind(error, VERDICTS.http_kind(response.status_code))
        return [Outcome.of_kind(kind, error or response.status_code, response.text)]

    def classify(self, telegram_id):
        return Outcome.sent(telegram_id)

    def check_receipts(self, ticket_ids):
        response = self.session.post(
            f"{self.setting('office_url')}/receipts",
            json={"ids": ticket_ids},
            timeout=1,
        )
        response.raise_for_status()
        return {
            ticket: verdict(answer["status"], answer.get("error", ""))
            for ticket, answer in response.json()["receipts"].items()
        }


def verdict(status, error=""):
    if status == "delivered":
        return Verdict(CONFIRMED, "delivered")
    return Verdict(VERDICTS.verdict_kind(error), "failed", error, f"Telegraph: {error}")


def signature(secret, body):
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def status_webhook(request):
    """The office's signed status report: ``{"id", "status", "error"}``."""
    from django.conf import settings

    secret = settings.NOTIFICATION_SYSTEM_TARGETS["telegraph"].get("webhook_secret")
    given = request.headers.get("X-Telegraph-Signature", "")
    if request.method != "POST" or not secret:
        return HttpResponseForbidden()
    if not hmac.compare_digest(given, signature(secret, request.body)):
        return HttpResponseForbidden("Bad signature.")
    try:
        report = json.loads(request.body)
        telegram_id, status = report["id"], report["status"]
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("id and status are required.")
    found = verdict(status, report.get("error", ""))
    apply_to_provider_id(str(telegram_id)[:200], (MODULE_NAME,), found, "telegraph")
    return HttpResponse(status=200)


channel = TelegraphChannel()
