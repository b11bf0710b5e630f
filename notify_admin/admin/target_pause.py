"""Pausing and resuming a target from the console.

- Actions "Pause sending…" and "Resume sending" on the target changelist
  (and as buttons on a target's change page, posting the same actions for
  that one target). Pausing asks for a reason on its confirmation page; the
  reason, who and when go to the pause row and to Django's admin log.
- Permission: the target's change permission
  (``notify_admin.change_notificationtarget``): who may change a target's
  channel may hold it.
- While a target is paused no run claims its rows: they stay SCHEDULED /
  RETRY with nothing spent (``notify_admin.delivery.pauses``). A run pauses a
  target by itself when the provider refuses the credentials or the channel
  is not configured; staff resume it here once the setting is fixed.
- :func:`pauses_for` gives the current pauses to the banner every admin page
  shows and to the dashboard: one query a request, kept on the request.
"""

from django import forms
from django.contrib import messages
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ..delivery.pauses import REASON_MAX_LENGTH, pause_target, resume_target
from ..models import TargetPause
from .actions import Confirm, Report, confirmed_action
from .display import when

CHANGE_TARGET = "notify_admin.change_notificationtarget"
VIEW_TARGET = "notify_admin.view_notificationtarget"
REQUEST_CACHE = "_notify_admin_pauses"


def can_pause(user):
    return user.has_perm(CHANGE_TARGET)


class PauseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Why sending is held (shown in the banner and kept in the admin "
            "log), e.g. “wrong message going out, checking with marketing”."
        ),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if "\x00" in reason:
            raise forms.ValidationError(
                _("NUL characters are not allowed."), code="null_characters"
            )
        return reason


def pause_form(model_admin, request, queryset, data):
    return PauseForm(data)


def target_rows(queryset):
    rows = queryset.select_related("pause", "pause__paused_by")
    return [_("Target"), _("Channel"), _("Sending")], [
        [target.name, target.notification_module_name, sending_state(target)]
        for target in rows[:20]
    ]


def pause_of(target):
    try:
        return target.pause
    except TargetPause.DoesNotExist:
        return None


def sending_state(target):
    """ "Sending", or "Paused …" with who, when and why, in words."""
    pause = pause_of(target)
    return gettext("Sending") if pause is None else pause_text(pause)


def pause_text(pause):
    if pause.source == TargetPause.STAFF:
        who = pause.paused_by.get_username() if pause.paused_by else gettext("staff")
        text = gettext("Paused by %(who)s at %(when)s") % {
            "who": who,
            "when": when(pause.paused_at),
        }
    else:
        text = gettext("Paused at %(when)s: %(source)s") % {
            "when": when(pause.paused_at),
            "source": pause.get_source_display(),
        }
    if pause.reason:
        text += " — " + pause.reason
    return text


@confirmed_action(
    permissions=["change"],
    description=_("Pause sending…"),
    confirm=Confirm(
        title=_("Pause sending"),
        question=_(
            "Hold every notification of these targets? No run sends them "
            "while paused: they stay Scheduled or Retry, with no retry "
            "spent, until you resume the target."
        ),
        submit_label=_("Pause sending"),
        always=True,
        form=pause_form,
        rows=target_rows,
    ),
)
def pause_sending(model_admin, request, queryset, form):
    reason = form.cleaned_data["reason"]
    paused, already = [], []
    for target in queryset.order_by("name"):
        made = pause_target(
            target, reason=reason, by=request.user, source=TargetPause.STAFF
        )
        (paused if made is not None else already).append(target)
    report = Report().changed(
        paused,
        gettext("Paused sending (admin action): %(reason)s") % {"reason": reason},
    )
    if paused:
        report.say(
            ngettext(
                "Sending paused on %(n)d target: %(names)s.",
                "Sending paused on %(n)d targets: %(names)s.",
                len(paused),
            )
            % {"n": len(paused), "names": ", ".join(t.name for t in paused)}
        )
    if already:
        report.say(
            ngettext(
                "%(n)d target was paused already (its reason is kept): %(names)s.",
                "%(n)d targets were paused already (their reasons are kept): "
                "%(names)s.",
                len(already),
            )
            % {"n": len(already), "names": ", ".join(t.name for t in already)},
            messages.WARNING,
        )
    return report


@confirmed_action(
    permissions=["change"],
    description=_("Resume sending"),
    confirm=Confirm(
        title=_("Resume sending"),
        question=_(
            "Let the runs send these targets' notifications again? Rows that "
            "came due while paused go with the next run."
        ),
        notes=[
            _(
                "A target paused by a run (refused credentials, a channel not "
                "configured) is paused again by the next run until the setting "
                "is fixed."
            )
        ],
        submit_label=_("Resume sending"),
        always=True,
        rows=target_rows,
    ),
)
def resume_sending(model_admin, request, queryset):
    resumed, running = [], []
    for target in queryset.select_related("pause", "pause__paused_by").order_by("name"):
        pause = pause_of(target)
        was = pause_text(pause) if pause is not None else ""
        if resume_target(target, by=request.user):
            resumed.append((target, was))
        else:
            running.append(target)
    report = Report()
    for target, was in resumed:
        report.changed(
            [target],
            gettext("Resumed sending (admin action); it was: %(was)s") % {"was": was},
        )
    if resumed:
        report.say(
            ngettext(
                "Sending resumed on %(n)d target: %(names)s.",
                "Sending resumed on %(n)d targets: %(names)s.",
                len(resumed),
            )
            % {"n": len(resumed), "names": ", ".join(t.name for t, _w in resumed)}
        )
    if running:
        report.say(
            ngettext(
                "%(n)d target was not paused: %(names)s.",
                "%(n)d targets were not paused: %(names)s.",
                len(running),
            )
            % {"n": len(running), "names": ", ".join(t.name for t in running)},
            messages.WARNING,
        )
    return report


TARGET_ACTIONS = [pause_sending, resume_sending]


def held_back(now=None):
    """The targets the runs leave alone for now (their circuit breaker opened,
    or their daily limit was reached), with when they go again: one query."""
    from django.utils import timezone

    from ..models import TargetBackoff

    return list(
        TargetBackoff.objects.filter(not_before__gt=now or timezone.now())
        .select_related("target")
        .order_by("target__name")
    )


def pauses_for(request):
    """The current pauses (target and who paused it fetched with them), in
    target name order: one query a request, kept on the request."""
    cached = getattr(request, REQUEST_CACHE, None)
    if cached is None:
        cached = list(
            TargetPause.objects.select_related("target", "paused_by").order_by(
                "target__name"
            )
        )
        setattr(request, REQUEST_CACHE, cached)
    return cached
