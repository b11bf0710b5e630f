"""The result of a sending action: what each row's delivery attempt gave.

Send now, Retry, Send test notification and Compose with "send now" run the
engine, which names its run on every attempt row (``DeliveryAttempt.run``).
``run_report`` turns a finished run into the action's report: one admin-log
entry per attempted row with that row's own outcome (rows the run did not
try get none), the totals as a message, and a redirect to the run's result
page. ``run_result_view`` is that page: user, address, outcome and the
provider's reason for every attempt of the run, and a link to the
notification changelist filtered to exactly those rows (``?run=<id>``).
"""

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import DeliveryAttempt, DeliveryRun, Notification
from .actions import Report
from .display import error_words, when
from .guards import can_send
from .unsent import counts_text, keep, not_attempted, shown_rows

RUN_PARAMETER = "run"
# The result page lists this many rows; the changelist link shows them all.
RESULT_ROWS = 500


def attempts_of(run_id):
    return (
        DeliveryAttempt.objects.filter(run_id=run_id)
        .select_related(
            "notification__user_target__user", "notification__user_target__target"
        )
        .order_by("outcome", "pk")
    )


def result_url(run_id, site_name="admin"):
    return reverse(f"{site_name}:notify_admin_deliveryrun_result", args=[run_id])


def changelist_url(run_id, site_name="admin"):
    url = reverse(f"{site_name}:notify_admin_notification_changelist")
    return f"{url}?{RUN_PARAMETER}={run_id}"


def totals_message(label, result, unsent=None):
    """``label: 2 delivered, 1 to retry, 0 failed, 0 inactive devices, 1 not
    sent (provider not configured), 1 skipped (already delivered).``: the
    attempts by outcome, then the unsent rows by reason (plural forms)."""
    counts = result.as_dict()
    parts = [
        _("%(n)d delivered") % {"n": counts["delivered"]},
        _("%(n)d to retry") % {"n": counts["retried"]},
        _("%(n)d failed") % {"n": counts["failed"]},
        ngettext("%(n)d inactive device", "%(n)d inactive devices", counts["inactive"])
        % {"n": counts["inactive"]},
    ]
    if unsent is None:
        # No selection kept (a run of process_notifications).
        parts.append(_("%(n)d opted out") % {"n": counts["opted_out"]})
        if counts.get("deferred"):
            parts.append(
                _("%(n)d deferred (quiet hours or a blackout period)")
                % {"n": counts["deferred"]}
            )
        if counts.get("not_configured"):
            parts.append(
                _("%(n)d not sent (provider not configured)")
                % {"n": counts["not_configured"]}
            )
        parts.append(_("%(n)d skipped") % {"n": counts["skipped"]})
    else:
        unsent_counts = counts_text(unsent)
        if unsent_counts:
            parts.append(unsent_counts)
    return _("%(label)s: %(parts)s.") % {"label": label, "parts": ", ".join(parts)}


def outcome_text(attempt):
    reason = " ".join(p for p in (attempt.error_code, attempt.error_message) if p)
    return f"{attempt.outcome} ({reason})" if reason else attempt.outcome


def run_report(
    request, result, *, label, selected=(), before=(), report=None, reasons=None
):
    """The report of an action that ran the engine (see the module's text).

    ``selected``: the notification ids handed to the engine; ``before``: the
    rows the action skipped before the run (``unsent.entry`` snapshots). Every
    selected row the run did not attempt is kept on the run with its reason,
    so the result page lists them all. ``reasons`` (``{pk: (code,
    params)}``) overrides the reason found for some of them.
    """
    report = report or Report()
    per_message = defaultdict(list)
    for attempt in attempts_of(result.run_id):
        message = _("%(label)s (admin action, run %(run)s): %(outcome)s") % {
            "label": label,
            "run": result.run_id,
            "outcome": outcome_text(attempt)[:400],
        }
        per_message[message].append(attempt.notification)
    for message, rows in per_message.items():
        report.changed(rows, message)
    entries, more = not_attempted(list(selected), result, timezone.now(), reasons)
    unsent = keep(result.run_id, [*before, *entries], more)
    counts = result.as_dict()
    trouble = (
        counts["failed"] or counts["retried"] or counts["inactive"] or unsent["total"]
    )
    report.say(
        totals_message(label, result, unsent),
        messages.WARNING if trouble else messages.SUCCESS,
    )
    site_name = getattr(request, "current_app", None) or "admin"
    report.response = HttpResponseRedirect(result_url(result.run_id, site_name))
    return report


def may_see_results(model_admin, request):
    notifications = model_admin.admin_site._registry.get(Notification)
    return can_send(request.user) or (
        notifications is not None and notifications.has_view_permission(request)
    )


def run_result_view(model_admin, request, run_id):
    """The result page of one delivery run (any source)."""
    if not may_see_results(model_admin, request):
        raise PermissionDenied
    try:
        run = get_object_or_404(DeliveryRun, pk=int(run_id))
    except (TypeError, ValueError, OverflowError):
        raise Http404(_("No such delivery run.")) from None
    attempts = list(attempts_of(run.pk)[: RESULT_ROWS + 1])
    total = len(attempts)
    if total > RESULT_ROWS:
        attempts = attempts[:RESULT_ROWS]
        total = DeliveryAttempt.objects.filter(run_id=run.pk).count()
    for attempt in attempts:
        attempt.reason, attempt.reason_detail = error_words(
            attempt.error_code, attempt.error_message
        )
    unsent_rows = shown_rows(run)
    listed = sum(1 for row in unsent_rows if row.get("notification"))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Result of run %(id)s (%(source)s, %(when)s)")
        % {"id": run.pk, "source": run.source, "when": when(run.started_at)},
        "run": run,
        "attempts": attempts,
        "unsent_rows": unsent_rows,
        "unsent_more": (run.unsent or {}).get("total", 0) - len(unsent_rows),
        "unsent_summary": counts_text(run.unsent),
        "linked": total + listed,
        "total": total,
        "more": total - len(attempts),
        "changelist_url": changelist_url(run.pk, model_admin.admin_site.name),
        "opts": Notification._meta,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/notify_admin/run_result.html", context)
