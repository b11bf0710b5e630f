"""What an address's opt-out does to its records: SMS STOP and START, and a
send the provider refused because the address opted out.

STOP makes every record of the number in the channel inactive, with the
reason and the time (``stopped_at``: its notifications become OPTED_OUT,
reason "channel", when they are claimed); START makes the records a STOP
made inactive active again (not those a dead address made inactive). A
channel declares the provider codes that mean "this address opted out"
(``Channel.opt_out_codes``, Twilio 21610): a send refused with one, or a
status callback reporting one, stops the address as a STOP does. Every
change is a ConsentChange row.
"""

import contextlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..channels.outcome import Outcome
from ..channels.registry import channel_type
from ..exceptions import UnknownChannel
from ..models import ConsentChange, TargetUserRecord
from ..validators import normalise_address

STOP_REASON = "Opted out: the number sent STOP."
PROVIDER_REASON = "Opted out: the provider refused a send with error %(code)s (STOP)."


def records_of(number, module_name):
    """Channel ``module_name``'s records of ``number`` (normalised as the
    channel normalises addresses; as given when it cannot be)."""
    with contextlib.suppress(ValidationError):
        number = normalise_address(module_name, number)
    return TargetUserRecord.objects.filter(
        target__notification_module_name=module_name, target_user_id=number
    )


def stop(number, module_name, via=ConsentChange.SMS_STOP, code=""):
    """Make ``number``'s records inactive as opted out; the records changed.
    ``code``: the provider's error code, when a refused send says so."""
    now = timezone.now()
    reason = PROVIDER_REASON % {"code": code} if code else STOP_REASON
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
        detail = f"error {code} for {number}" if code else f"from {number}"
        _record(changed, via, enabled=False, at=now, detail=detail)
    return changed


def opt_out_codes(module_name):
    """The codes channel ``module_name`` declares for "the address opted
    out" (``Channel.opt_out_codes``)."""
    try:
        return {str(code) for code in channel_type(module_name).opt_out_codes}
    except UnknownChannel:
        return set()


def stop_refused(found):
    """Stop each address a provider refused because it opted out:
    ``found`` is ``[(module_name, address, code)]``. Both directions call
    it: a send's answer (delivery) and a status callback (feedback)."""
    changed = []
    for module_name, address, code in dict.fromkeys(found):
        changed += stop(address, module_name, ConsentChange.PROVIDER_OPT_OUT, code=code)
    return changed


def refused_in_batch(rows, outcomes):
    """``[(module_name, address, code)]`` of a sent batch's rows whose
    channel said the address opted out."""
    found, codes = [], {}
    for notification in rows:
        outcome = outcomes.get(notification.pk)
        if outcome is None or outcome.kind != Outcome.DEAD_ADDRESS:
            continue
        module_name = notification.user_target.target.notification_module_name
        if module_name not in codes:
            codes[module_name] = opt_out_codes(module_name)
        if outcome.error_code in codes[module_name]:
            address = notification.user_target.target_user_id
            found.append((module_name, address, outcome.error_code))
    return found


def refused_in_feedback(pairs):
    """The same for feedback's ``(Pending, Verdict)`` pairs (one query for
    the addresses, only when a verdict says so)."""
    record_codes = {}
    for pending, verdict in pairs:
        if verdict.error_code and verdict.error_code in opt_out_codes(
            pending.module_name
        ):
            record_codes[pending.record_id] = verdict.error_code
    if not record_codes:
        return []
    rows = TargetUserRecord.objects.filter(pk__in=list(record_codes)).values_list(
        "pk", "target__notification_module_name", "target_user_id"
    )
    return [(module, address, record_codes[pk]) for pk, module, address in rows]


def start(number, module_name):
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
        _record(
            changed,
            ConsentChange.SMS_START,
            enabled=True,
            at=now,
            detail=f"from {number}",
        )
    return changed


def _record(records, via, *, enabled, at, detail):
    ConsentChange.objects.bulk_create(
        ConsentChange(
            user_id=record.user_id,
            at=at,
            via=via,
            target_id=record.target_id,
            record=record,
            enabled=enabled,
            detail=detail[:200],
        )
        for record in records
    )
