"""SMS STOP / START: Twilio's signed inbound-message webhook, and what an
address's opt-out does to its records.

Twilio (with Advanced Opt-Out) reads each inbound SMS for the words of its
opt-out, opt-in and help keywords, in every language it is set up for, and
says what it found in ``OptOutType`` (STOP, START, HELP). That field is what
this acts on, never the message's words. STOP makes every record of that
number in the SMS channel inactive, with the reason and time (its
notifications become OPTED_OUT, reason "channel", when they are claimed);
START makes the records that STOP made inactive active again; HELP changes
nothing (Twilio answers it). A send that Twilio refuses with error 21610
(the number has opted out) does the same as a STOP.

The view checks ``X-Twilio-Signature`` exactly as the status callback does
(:func:`notify_admin.feedback.twilio.is_authentic`) before it reads or writes
anything; every authentic message is stored (InboundMessage, listed in the
admin), once per MessageSid, and every change is recorded (ConsentChange).
"""

import contextlib
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..feedback.twilio import is_authentic
from ..models import ConsentChange, InboundMessage, TargetUserRecord
from ..validators import normalise_address

logger = logging.getLogger("notify_admin.consent")

MODULE_NAME = "twilio"
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
STOP_REASON = "Opted out: the number sent STOP."
STOP_21610_REASON = "Opted out: Twilio refused a send with error 21610 (STOP)."
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def records_of(number, module_name=MODULE_NAME):
    """The channel's records of ``number`` (as Twilio wrote it, E.164)."""
    with contextlib.suppress(ValidationError):
        number = normalise_address(module_name, number)
    return TargetUserRecord.objects.filter(
        target__notification_module_name=module_name, target_user_id=number
    )


def stop(number, via=ConsentChange.SMS_STOP, module_name=MODULE_NAME):
    """Make ``number``'s records inactive as opted out; the records changed."""
    now = timezone.now()
    reason = STOP_21610_REASON if via == ConsentChange.TWILIO_21610 else STOP_REASON
    with transaction.atomic():
        changed = list(
            records_of(number, module_name)
            .filter(stopped_at__isnull=True)
            .select_for_update()
        )
        TargetUserRecord.objects.filter(pk__in=[r.pk for r in changed]).update(
            active=False,
            stopped_at=now,
            inactive_reason=reason,
            inactivated_at=now,
            modified=now,
        )
        _record(changed, via, enabled=False, at=now, number=number)
    return changed


def start(number, module_name=MODULE_NAME):
    """Make the records a STOP made inactive active again."""
    now = timezone.now()
    with transaction.atomic():
        changed = list(
            records_of(number, module_name)
            .filter(stopped_at__isnull=False)
            .select_for_update()
        )
        TargetUserRecord.objects.filter(pk__in=[r.pk for r in changed]).update(
            active=True,
            stopped_at=None,
            inactive_reason="",
            inactivated_at=None,
            modified=now,
        )
        _record(changed, ConsentChange.SMS_START, enabled=True, at=now, number=number)
    return changed


def _record(records, via, *, enabled, at, number):
    ConsentChange.objects.bulk_create(
        ConsentChange(
            user_id=record.user_id,
            at=at,
            via=via,
            target_id=record.target_id,
            record=record,
            enabled=enabled,
            detail=f"from {number}"[:200],
        )
        for record in records
    )


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
            changed = stop(number)
        elif kind == InboundMessage.START:
            changed = start(number)
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
