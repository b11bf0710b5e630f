"""What happened to the selected rows an action did not send, and why.

A sending action's result page lists every selected row: the engine's
attempts (``DeliveryAttempt`` rows of the run) and, from here, the rest:
rows skipped before the run (a Retry of a row that has not failed, a test to
an inactive address), rows the run claimed but did not send (the user opted
out, the provider is not configured) and rows it could not claim (already
delivered, cancelled, being sent by another run). Each is kept on the run
(``DeliveryRun.unsent``) as a snapshot taken when the action ran: user,
target, address, title, and a reason code with its parameters, turned into
text when shown. The non-sending actions name their skipped rows with the
same reasons in their message (:func:`skipped_message`).
"""

from collections import Counter

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ..models import DeliveryAttempt, DeliveryRun, Notification
from .display import status_label, when

#: How many unsent rows a run keeps (its result page shows as many).
KEPT_ROWS = 500
#: How many rows of one reason a message names before "and N more".
NAMED_IN_MESSAGE = 5

#: reason code -> (outcome label, text with %(params)s)
REASONS = {
    "not_configured": (
        _("Not sent"),
        _("The provider is not configured (set %(missing)s)."),
    ),
    "user_opted_out": (_("Not sent"), _("The user opted out of notifications.")),
    # Consent (notify_admin.consent): decided when the run claimed the row.
    "preference": (
        _("Not sent"),
        _("The user turned %(category)s off on %(channel)s."),
    ),
    "category": (
        _("Not sent"),
        _("%(category)s is off by default on %(channel)s."),
    ),
    "channel": (_("Not sent"), _("The address opted out (SMS STOP).")),
    "deferred": (
        _("Deferred"),
        _("Held by %(why)s until %(time)s; no retry spent."),
    ),
    "cancelled": (_("Not sent"), _("Cancelled by %(user)s at %(time)s.")),
    "delivered": (_("Skipped"), _("Already delivered.")),
    "in_flight": (_("Skipped"), _("Another run is sending it right now.")),
    "inactive_address": (_("Skipped"), _("The address is inactive.")),
    "not_failed": (
        _("Skipped"),
        _("Only failed rows are retried; this one is %(status)s."),
    ),
    "not_open": (
        _("Skipped"),
        _("Only scheduled and retry rows can be changed; this one is %(status)s."),
    ),
    "not_cancelled": (_("Skipped"), _("It was not cancelled by staff.")),
    # Operations safety (notify_admin.delivery.pauses, .backoff): the row
    # stays as it was, nothing spent.
    "paused": (
        _("Not sent"),
        _("%(target)s is paused: %(why)s (%(source)s). It goes once resumed."),
    ),
    "held": (
        _("Not sent"),
        _("Runs leave %(target)s alone until %(time)s (%(kind)s): %(why)s."),
    ),
    "status": (_("Skipped"), _("Its status is %(status)s.")),
    "no_address": (_("Skipped"), _("The user has no active address there.")),
    "test_withdrawn": (
        _("Not sent"),
        _(
            "The provider is not configured (set %(missing)s); the test is "
            "cancelled, so it never goes out later."
        ),
    ),
}


def reason_text(code, params=None):
    label, text = REASONS.get(code, (_("Skipped"), "%(code)s"))
    try:
        return str(text) % {"code": code, **(params or {})}
    except (KeyError, TypeError, ValueError):
        return str(text)


def outcome_label(code):
    return str(REASONS.get(code, (_("Skipped"),))[0])


def entry(notification, code, params=None, record=None):
    """A row's snapshot (a notification, or a record a test was not made
    for); the user and target must be selected with it."""
    record = record or notification.user_target
    return {
        "notification": str(notification.pk) if notification is not None else None,
        "user": record.user.get_username(),
        "target": record.target.name,
        "address": record.target_user_id,
        "title": notification.title if notification is not None else "",
        "reason": code,
        "params": params or {},
    }


def cancelled_params(notification):
    who = notification.cancelled_by
    return {
        "user": who.get_username() if who else gettext("a deleted user"),
        "time": when(notification.cancelled_at),
    }


def why_not_sent(notification, now, missing_settings, categories=None):
    """The reason code and parameters for a row a run did not attempt
    (``notification`` annotated ``with_opt_out()``, as it is after the run;
    ``categories``: a dict the caller keeps across rows, for what is read
    once: the default category, the targets' pauses and back-offs)."""
    if notification.status == Notification.OPTED_OUT and notification.cancelled_at:
        return "cancelled", cancelled_params(notification)
    if (
        notification.status == Notification.OPTED_OUT
        and not notification.user_opted_out
    ):
        consent = consent_reason(notification, categories)
        if consent is not None:
            return consent
    if notification.user_opted_out or notification.status == Notification.OPTED_OUT:
        return "user_opted_out", {}
    if (
        notification.status in Notification.OPEN_STATUSES
        and notification.deferred_until
        and notification.deferred_until > now
        and not notification.claim_token
    ):
        return "deferred", {
            "why": notification.get_deferral_reason_display(),
            "time": when(notification.deferred_until),
        }
    if notification.status == Notification.DELIVERED:
        return "delivered", {}
    if notification.claimed_until and notification.claimed_until > now:
        return "in_flight", {}
    target = notification.user_target.target
    module = target.notification_module_name
    if module in missing_settings:
        return "not_configured", {"missing": ", ".join(missing_settings[module])}
    if notification.status in Notification.OPEN_STATUSES:
        held = target_hold(target, now, categories)
        if held is not None:
            return held
    return "status", {"status": status_label(notification)}


def target_hold(target, now, cache=None):
    """Why no run claims ``target``'s rows now: ``("paused", params)``,
    ``("held", params)`` or None. ``cache``: a dict kept by the caller, so
    the pauses and back-offs (a row a target at most) are read once."""
    from ..models import TargetBackoff, TargetPause

    cache = {} if cache is None else cache
    if "pauses" not in cache:
        cache["pauses"] = {p.target_id: p for p in TargetPause.objects.all()}
        cache["backoffs"] = {b.target_id: b for b in TargetBackoff.objects.all()}
    pause = cache["pauses"].get(target.pk)
    if pause is not None:
        return "paused", {
            "target": target.name,
            "source": pause.get_source_display(),
            "why": pause.reason or gettext("no reason given"),
        }
    backoff = cache["backoffs"].get(target.pk)
    if backoff is not None and backoff.not_before > now:
        return "held", {
            "target": target.name,
            "time": when(backoff.not_before),
            "kind": backoff.get_kind_display(),
            "why": backoff.reason or gettext("no reason given"),
        }
    return None


def consent_reason(notification, categories=None):
    """The consent reason of an OPTED_OUT row, with its category and channel
    named (None for the user's own opt-out). ``categories``: a dict kept by
    the caller, so the default category is read once for many rows."""
    reason = notification.opted_out_reason
    if reason == Notification.REASON_CHANNEL:
        return "channel", {}
    if reason in (Notification.REASON_PREFERENCE, Notification.REASON_CATEGORY):
        category = notification.category
        if category is None:
            categories = {} if categories is None else categories
            if "default" not in categories:
                categories["default"] = default_category()
            category = categories["default"]
        return reason, {
            "category": category.name if category else gettext("(no category)"),
            "channel": notification.user_target.target.name,
        }
    return None


def default_category():
    from .. import conf
    from ..models import NotificationCategory

    return NotificationCategory.objects.filter(key=conf.default_category_key()).first()


def with_people(queryset):
    return queryset.select_related(
        "user_target__user", "user_target__target", "cancelled_by", "category"
    ).with_opt_out()


def not_attempted(selected_ids, result, now, reasons=None):
    """Snapshots of the selected rows the run ``result`` did not attempt
    (``reasons``: ``{pk: (code, params)}`` known better by the caller)."""
    attempted = set(
        DeliveryAttempt.objects.filter(run_id=result.run_id).values_list(
            "notification_id", flat=True
        )
    )
    left = [pk for pk in selected_ids if pk not in attempted]
    rows = with_people(Notification.objects.filter(pk__in=left[:KEPT_ROWS]))
    entries, categories = {}, {}
    for notification in rows:
        code, params = (reasons or {}).get(notification.pk) or why_not_sent(
            notification, now, result.missing_settings, categories
        )
        entries[notification.pk] = entry(notification, code, params)
    # In the selection's order; rows deleted meanwhile are left out.
    found = [entries[pk] for pk in left[:KEPT_ROWS] if pk in entries]
    return found, len(left) - len(left[:KEPT_ROWS])


def keep(run_id, entries, more=0):
    """Store ``entries`` (and how many more were left out) on the run."""
    counts = Counter(e["reason"] for e in entries)
    if more:
        counts["more"] = more
    unsent = {
        "total": len(entries) + more,
        "counts": dict(counts),
        "rows": entries[:KEPT_ROWS],
    }
    DeliveryRun.objects.filter(pk=run_id).update(unsent=unsent)
    return unsent


def shown_rows(run):
    """The run's unsent rows, ready for the result page."""
    rows = []
    for item in (run.unsent or {}).get("rows", []):
        rows.append(
            {
                **item,
                "outcome": outcome_label(item.get("reason")),
                "text": reason_text(item.get("reason"), item.get("params")),
            }
        )
    return rows


def counts_text(unsent):
    """``2 not sent (provider not configured), 1 skipped (already
    delivered)``: the run's unsent rows by reason, for its summary."""
    parts = []
    for code, n in sorted((unsent or {}).get("counts", {}).items()):
        if code == "more":
            continue
        label = outcome_label(code).lower()
        parts.append(
            gettext("%(n)d %(label)s (%(why)s)")
            % {"n": n, "label": label, "why": short_reason(code)}
        )
    return ", ".join(parts)


SHORT = {
    "not_configured": _("provider not configured"),
    "test_withdrawn": _("provider not configured; test cancelled"),
    "user_opted_out": _("user opted out"),
    "preference": _("turned off by the user"),
    "category": _("off by default"),
    "channel": _("SMS STOP"),
    "deferred": _("quiet hours or a blackout period"),
    "cancelled": _("cancelled by staff"),
    "delivered": _("already delivered"),
    "in_flight": _("being sent by another run"),
    "inactive_address": _("inactive address"),
    "not_failed": _("not failed"),
    "not_open": _("not scheduled or retry"),
    "not_cancelled": _("not cancelled by staff"),
    "status": _("status"),
    "no_address": _("no active address"),
    "paused": _("target paused"),
    "held": _("provider failing or daily limit reached"),
}


def short_reason(code):
    return str(SHORT.get(code, code))


def describe_row(item):
    """``“Title” for ann (Email, ann@example.com)``, or the address alone."""
    where = f"{item['target']}, {item['address']}"
    if item.get("title"):
        return gettext("“%(title)s” for %(user)s (%(where)s)") % {
            "title": item["title"],
            "user": item["user"],
            "where": where,
        }
    return gettext("%(user)s (%(where)s)") % {"user": item["user"], "where": where}


def skipped_message(entries):
    """One sentence naming the skipped rows by reason, e.g. ``2 skipped:
    “Hi” for ann (Email, ann@example.com), … (already delivered).``"""
    if not entries:
        return ""
    by_reason = {}
    for item in entries:
        why = reason_text(item["reason"], item.get("params"))
        by_reason.setdefault(why, []).append(item)
    parts = []
    for why, items in sorted(by_reason.items()):
        named = "; ".join(describe_row(i) for i in items[:NAMED_IN_MESSAGE])
        if len(items) > NAMED_IN_MESSAGE:
            named += " " + gettext("and %(n)d more") % {
                "n": len(items) - NAMED_IN_MESSAGE
            }
        parts.append(
            gettext("%(why)s: %(rows)s.") % {"why": why.rstrip("."), "rows": named}
        )
    return ngettext(
        "%(n)d skipped. %(parts)s",
        "%(n)d skipped. %(parts)s",
        len(entries),
    ) % {"n": len(entries), "parts": " ".join(parts)}


def why_skipped(notification, now, *, allowed, code, inactive=False, opted=True):
    """Why an action left ``notification`` alone: its status is not one of
    ``allowed`` (reported as ``code``, or as the staff cancellation it is),
    its address is inactive (when ``inactive``), the user opted out (when
    ``opted``), or another run holds it."""
    if notification.status not in allowed:
        if notification.status == Notification.OPTED_OUT and notification.cancelled_at:
            return "cancelled", cancelled_params(notification)
        if notification.status == Notification.DELIVERED:
            return "delivered", {}
        return code, {"status": status_label(notification)}
    if inactive and not notification.user_target.active:
        return "inactive_address", {}
    if opted and notification.user_opted_out:
        return "user_opted_out", {}
    if notification.claimed_until and notification.claimed_until > now:
        return "in_flight", {}
    return code, {"status": status_label(notification)}


def skipped_entries(queryset, changed_pks, now, **rule):
    """Snapshots of the rows of ``queryset`` outside ``changed_pks``, with
    why (``rule``: :func:`why_skipped`'s keywords); the first KEPT_ROWS."""
    rows = with_people(queryset.exclude(pk__in=list(changed_pks)).order_by("pk"))
    return [entry(n, *why_skipped(n, now, **rule)) for n in rows[:KEPT_ROWS]]


def user_entry(user, code, *, target="", title=""):
    """The snapshot of a selected user no notification was made for."""
    return {
        "notification": None,
        "user": user.get_username(),
        "target": target or "—",
        "address": "—",
        "title": title,
        "reason": code,
        "params": {},
    }
