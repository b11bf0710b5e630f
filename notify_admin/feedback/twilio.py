"""Twilio status callbacks: a signed POST per message status change.

The view checks ``X-Twilio-Signature`` against the exact public URL Twilio
called (``NOTIFICATION_SYSTEM_PUBLIC_URL`` + the path: the console usually
sits behind a proxy, so the request's own host is not to be trusted) before
anything touches the database. Bad or missing signature: 403, nothing read.
Unknown message SID: 200 (Twilio must not retry), logged, nothing changed.
"""

import logging

from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import conf
from ..channels.twilio import MODULE_NAME, PROVIDER, VERDICTS, TwilioChannel
from ..channels.verdicts import CONFIRMED, NOTHING, PROGRESS, Verdict
from ..channels.webhooks import public_url, webhook_url
from .recording import apply_to_provider_id

logger = logging.getLogger("notify_admin.feedback")

MODULE_NAMES = (MODULE_NAME,)
SOURCE = "twilio_callback"
# A status callback is a few hundred bytes of form fields.
MAX_BODY_BYTES = 16 * 1024
# The callback's fields the history keeps (no message body is ever sent).
KEPT_FIELDS = ("MessageSid", "MessageStatus", "ErrorCode", "To", "From", "SmsSid")
TWILIO_PROGRESS = {"queued", "accepted", "scheduled", "sending", "sent"}


def callback_url():
    """The status-callback URL sends ask Twilio for, or None (not set up)."""
    return webhook_url(MODULE_NAME, TwilioChannel.feedback_webhook)


def status_verdict(status, error_code="", payload=None):
    """A status callback's ``MessageStatus`` and ``ErrorCode``, read with the
    channel's verdict table (the one its sends are classified with)."""
    status = (status or "").strip().lower()
    code = str(error_code or "").strip()
    payload = payload or {}
    if status in TWILIO_PROGRESS:
        return Verdict(PROGRESS, status, payload=payload)
    if status in ("delivered", "read"):
        return Verdict(CONFIRMED, status, payload=payload)
    if status in ("undelivered", "failed", "canceled"):
        kind = VERDICTS.verdict_kind(code)
        text = VERDICTS.describe(code) or "Twilio error"
        description = f"Twilio {status}" + (f", error {code}: {text}" if code else "")
        return Verdict(kind, status, code[:100], description, payload)
    return Verdict(NOTHING, status, code, payload=payload)


# The name earlier versions exported (from notify_admin.feedback.verdicts).
twilio_verdict = status_verdict


def signed_url(request):
    """The URL Twilio signed: the public base plus the path it requested."""
    base = public_url()
    return base + request.get_full_path() if base else None


def is_authentic(request):
    signature = request.headers.get("X-Twilio-Signature", "")
    token = conf.get_target_setting(PROVIDER, "auth_token", None)
    url = signed_url(request)
    if not (signature and token and url):
        if not (token and url):
            logger.error(
                "Twilio status callback refused: set NOTIFICATION_SYSTEM_PUBLIC_URL "
                "and %s to check its signature.",
                conf.target_setting_name(PROVIDER, "auth_token"),
            )
        return False
    # Imported here: the system checks load this module at every start, and
    # only a callback needs the SDK.
    from twilio.request_validator import RequestValidator

    return RequestValidator(str(token)).validate(url, request.POST, signature)


@csrf_exempt
@require_POST
def status_callback(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = MAX_BODY_BYTES + 1
    if length > MAX_BODY_BYTES:
        return HttpResponse("Request body too large.", status=413)
    if not is_authentic(request):
        logger.warning("Twilio status callback with a bad or missing signature")
        return HttpResponseForbidden("Invalid Twilio signature.")
    sid = request.POST.get("MessageSid") or request.POST.get("SmsSid")
    status = request.POST.get("MessageStatus") or request.POST.get("SmsStatus")
    if not sid or not status:
        return HttpResponseBadRequest("MessageSid and MessageStatus are required.")
    payload = {key: request.POST[key] for key in KEPT_FIELDS if key in request.POST}
    verdict = status_verdict(status, request.POST.get("ErrorCode", ""), payload)
    apply_to_provider_id(sid[:200], MODULE_NAMES, verdict, SOURCE)
    return HttpResponse(status=200)
