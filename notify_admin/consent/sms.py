"""Twilio's signed inbound-message webhook: SMS STOP / START / HELP.

Twilio (with Advanced Opt-Out) reads each inbound SMS for the words of its
opt-out, opt-in and help keywords, in every language it is set up for, and
says what it found in ``OptOutType`` (STOP, START, HELP). That field is what
this acts on, never the message's words: STOP and START as
:mod:`notify_admin.consent.stop` says; HELP changes nothing (Twilio answers
it). The Twilio channel declares this view (its ``inbound`` webhook).

The view checks ``X-Twilio-Signature`` exactly as the status callback does
(:func:`notify_admin.feedback.twilio.is_authentic`) before it reads or writes
anything; every authentic message is stored (InboundMessage, listed in the
admin), once per MessageSid, and every change is recorded (ConsentChange).
"""

import logging

from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..channels.twilio import MODULE_NAME
from ..feedback.twilio import is_authentic
from ..models import InboundMessage
from .stop import start, stop

logger = logging.getLogger("notify_admin.consent")

MAX_BODY_BYTES = 64 * 1024
KEPT_FIELDS = (
    "MessageSid",
    "SmsSid",
    "AccountSid",
    "MessagingServiceSid",
    "From",
    "To",
    "Body",
    "OptOutType",
    "NumMedia",
    "FromCountry",
)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _too_large(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > MAX_BODY_BYTES


@csrf_exempt
@require_POST
def inbound_message(request):
    """Twilio's "A message comes in" webhook for the sending number."""
    if _too_large(request):
        return HttpResponse("Request body too large.", status=413)
    if not is_authentic(request):
        logger.warning("Twilio inbound message with a bad or missing signature")
        return HttpResponseForbidden("Invalid Twilio signature.")
    number = request.POST.get("From", "").strip()
    if not number:
        return HttpResponseBadRequest("From is required.")
    sid = (request.POST.get("MessageSid") or request.POST.get("SmsSid") or "")[:64]
    kind = request.POST.get("OptOutType", "").strip().upper()
    if kind not in (InboundMessage.STOP, InboundMessage.START, InboundMessage.HELP):
        kind = ""
    with transaction.atomic():
        if sid and InboundMessage.objects.filter(message_sid=sid).exists():
            # Twilio retried a message it had already delivered: done.
            return twiml()
        changed = []
        if kind == InboundMessage.STOP:
            changed = stop(number, MODULE_NAME)
        elif kind == InboundMessage.START:
            changed = start(number, MODULE_NAME)
        InboundMessage.objects.create(
            message_sid=sid,
            from_number=number[:64],
            to_number=request.POST.get("To", "")[:64],
            body=request.POST.get("Body", ""),
            opt_out_type=kind,
            records_changed=len(changed),
            payload={k: request.POST[k] for k in KEPT_FIELDS if k in request.POST},
        )
    return twiml()


def twiml():
    """An empty TwiML answer: Twilio itself replies to STOP and HELP."""
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
