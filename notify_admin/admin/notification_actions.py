"""The actions of the notification changelist: Send now, Retry, Reschedule,
Cancel and Undo cancel (each through ``confirmed_action``).

Cancel keeps the seed's statuses: a cancelled row becomes OPTED_OUT (the
status of a row never to be sent, which needs no attempted delivery), and
``cancelled_at`` / ``cancelled_by`` record that staff did it. Undo cancel is
exact without storing the old status: an open row was SCHEDULED when it had
no attempted delivery (seed rule 1) and RETRY when it had one (rule 2).
"""

from django.contrib import messages
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import delivery
from ..background import send_in_background
from ..models import Notification
from .actions import Confirm, Report, confirmed_action
from .forms import RescheduleForm
from .guards import can_send
from .provider_status import not_configured_warnings, send_warnings
from .results import run_report
from .rows import notification_rows
from .unsent import skipped_entries, skipped_message


def change_rows(queryset, eligible, values, *, log_message, done, rule):
    """UPDATE the ``eligible`` rows of the selection with ``values`` and report:
    one log entry per changed row, ``done(n)`` (plural forms chosen by the
    caller) and which of the selection were skipped, and why (``rule``:
    :func:`.unsent.why_skipped`'s keywords). Returns ``(changed rows, report,
    skipped entries, summary)``; the caller says the summary
    (``report.say(*summary)``) unless it reports otherwise."""
    now = timezone.now()
    count = queryset.count()
    changed = list(eligible)
    changed_pks = [n.pk for n in changed]
    Notification.objects.filter(pk__in=changed_pks).update(**values)
    skipped = count - len(changed)
    entries = skipped_entries(queryset, changed_pks, now, **rule) if skipped else []
    tail = skipped_message(entries) or (
        ngettext("%(n)d skipped.", "%(n)d skipped.", skipped) % {"n": skipped}
    )
    summary = (
        f"{done(len(changed))}; {tail}",
        messages.SUCCESS if changed and not skipped else messages.WARNING,
    )
    return changed, Report().changed(changed, log_message), entries, summary


@confirmed_action(
    permissions=["send"],
    description=_("Send now (scheduled, retry and failed rows)"),
    confirm=Confirm(
        title=_("Send now"),
        question=_(
            "Deliver these notifications now, through the same engine and "
            "claims as the scheduled runs? Delivered and opted-out rows, "
            "and rows a worker is sending right now, are skipped."
        ),
        submit_label=_("Yes, send now"),
        always=True,
        rows=notification_rows,
        warnings=send_warnings,
    ),
)
def send_now(model_admin, request, queryset):
    handoff = send_in_background(request, queryset)
    if handoff is not None:
        report = Report(response=handoff.response)
        if handoff.task_id:
            report.changed(
                queryset,
                gettext("Send now (admin action): handed to background task %(task)s")
                % {"task": handoff.task_id},
            )
        return report
    selected = list(dict.fromkeys(queryset.values_list("pk", flat=True)))
    result = delivery.send_now(queryset, source="admin")
    return run_report(request, result, label=gettext("Send now"), selected=selected)


@confirmed_action(
    permissions=["change"],
    description=_("Retry failed: retry counter reset, sent now"),
    confirm=Confirm(
        title=_("Retry"),
        question=_(
            "Retry the failed notifications among these, with their retry "
            "counter reset? They are sent now if you may send, otherwise "
            "scheduled for the next run."
        ),
        submit_label=_("Yes, retry"),
        notes=[
            _(
                "Only DELIVERY_FAILURE and INACTIVE_DEVICE rows are retried, and "
                "only when the address is active (activate the target user record "
                "first) and the user has not opted out; other rows are skipped."
            )
        ],
        always=True,
        rows=notification_rows,
        warnings=not_configured_warnings,
    ),
)
def retry(model_admin, request, queryset):
    now = timezone.now()
    eligible = (
        queryset.filter(
            status__in=Notification.FAILED_STATUSES, user_target__active=True
        )
        .lease_free(now)
        .without_opted_out()
    )
    # The seed's rule 1: a SCHEDULED row has no attempted delivery; the
    # attempt history stays in the DeliveryAttempt rows.
    changed, report, skipped, summary = change_rows(
        queryset,
        eligible,
        {
            "status": Notification.SCHEDULED,
            "scheduled_delivery": now,
            "attempted_delivery": None,
            "retry_attempts": 0,
            "claim_token": None,
            "claimed_until": None,
            "modified": now,
        },
        log_message=gettext(
            "Retry (admin action): back to SCHEDULED, retry counter reset."
        ),
        done=lambda n: (
            ngettext(
                "%(n)d notification scheduled for retry now",
                "%(n)d notifications scheduled for retry now",
                n,
            )
            % {"n": n}
        ),
        rule={
            "allowed": Notification.FAILED_STATUSES,
            "code": "not_failed",
            "inactive": True,
        },
    )
    if changed and can_send(request.user):
        selected = [n.pk for n in changed]
        result = delivery.send_now(
            Notification.objects.filter(pk__in=selected), source="admin"
        )
        return run_report(
            request,
            result,
            label=gettext("Retry"),
            selected=selected,
            before=skipped,
            report=report,
        )
    return report.say(*summary)


def reschedule_form(model_admin, request, queryset, data):
    return RescheduleForm(data)


@confirmed_action(
    permissions=["change"],
    description=_("Reschedule scheduled and retry rows to a chosen time…"),
    confirm=Confirm(
        title=_("Reschedule"),
        question=_(
            "Move the selected SCHEDULED and RETRY notifications to a new "
            "delivery time."
        ),
        submit_label=_("Reschedule"),
        notes=[
            _(
                "Delivered, failed and opted-out rows, and rows being sent "
                "right now, are left unchanged (use Retry for failed rows)."
            )
        ],
        form=reschedule_form,
        rows=notification_rows,
    ),
)
def reschedule(model_admin, request, queryset, form):
    now = timezone.now()
    when = form.cleaned_data["scheduled_delivery"]
    _, report, _, summary = change_rows(
        queryset,
        queryset.open().lease_free(now).without_opted_out(),
        {"scheduled_delivery": when, "modified": now},
        log_message=gettext("Reschedule (admin action): scheduled delivery %(when)s.")
        % {"when": when.isoformat()},
        done=lambda n: (
            ngettext(
                "%(n)d notification rescheduled", "%(n)d notifications rescheduled", n
            )
            % {"n": n}
        ),
        rule={"allowed": Notification.OPEN_STATUSES, "code": "not_open"},
    )
    return report.say(*summary)


@confirmed_action(
    permissions=["change"],
    description=_("Cancel scheduled and retry rows (undo with “Undo cancel”)"),
    confirm=Confirm(
        title=_("Cancel"),
        question=_(
            "Cancel the SCHEDULED and RETRY notifications among these? They are "
            "never sent (status OPTED_OUT, marked as cancelled by you) until "
            "“Undo cancel”."
        ),
        submit_label=_("Yes, cancel them"),
        rows=notification_rows,
    ),
)
def cancel(model_admin, request, queryset):
    now = timezone.now()
    _, report, _, summary = change_rows(
        queryset,
        queryset.open().lease_free(now),
        {
            "status": Notification.OPTED_OUT,
            "cancelled_at": now,
            "cancelled_by": request.user.pk,
            "claim_token": None,
            "claimed_until": None,
            "modified": now,
        },
        log_message=gettext("Cancel (admin action): marked OPTED_OUT."),
        done=lambda n: (
            ngettext(
                "%(n)d notification cancelled (marked OPTED_OUT)",
                "%(n)d notifications cancelled (marked OPTED_OUT)",
                n,
            )
            % {"n": n}
        ),
        rule={
            "allowed": Notification.OPEN_STATUSES,
            "code": "not_open",
            "opted": False,
        },
    )
    return report.say(*summary)


@confirmed_action(
    permissions=["change"],
    description=_("Undo cancel (rows cancelled by staff, users not opted out)"),
    confirm=Confirm(
        title=_("Undo cancel"),
        question=_(
            "Put the notifications cancelled by staff among these back to "
            "SCHEDULED (or RETRY, if they had been tried)? Rows of users who "
            "opted out, and rows not cancelled by staff, are skipped."
        ),
        submit_label=_("Yes, undo the cancellation"),
        rows=notification_rows,
    ),
)
def undo_cancel(model_admin, request, queryset):
    eligible = queryset.filter(
        status=Notification.OPTED_OUT, cancelled_at__isnull=False
    ).without_opted_out()
    _, report, _, summary = change_rows(
        queryset,
        eligible,
        {
            "status": Case(
                When(
                    attempted_delivery__isnull=True,
                    then=Value(Notification.SCHEDULED),
                ),
                default=Value(Notification.RETRY),
            ),
            "cancelled_at": None,
            "cancelled_by": None,
            "modified": timezone.now(),
        },
        log_message=gettext("Undo cancel (admin action)."),
        done=lambda n: (
            ngettext(
                "%(n)d cancelled notification restored",
                "%(n)d cancelled notifications restored",
                n,
            )
            % {"n": n}
        ),
        rule={"allowed": (Notification.OPTED_OUT,), "code": "not_cancelled"},
    )
    return report.say(*summary)


NOTIFICATION_ACTIONS = [send_now, retry, reschedule, cancel, undo_cancel]
