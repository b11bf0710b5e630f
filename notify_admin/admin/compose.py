"""The form of the "Compose notification…" user action, with what it costs.

``ComposeSendForm`` adds to the plain ``ComposeForm``: retry settings whose
defaults come from settings (``NOTIFICATION_SYSTEM_RETRY_TIME_INTERVAL``,
default 300 s, and ``NOTIFICATION_SYSTEM_MAX_RETRIES``, default 3), "send now",
and the size of the message for the selected users' channels: SMS characters,
encoding and segments, and the push payload against Expo's 4096-byte limit.
A body that needs more than one SMS segment is only accepted once "send long
SMS" is ticked; a push payload over the limit is refused.
"""

import functools
import json

from django import forms
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import conf
from ..models import NotificationTarget, TargetUserRecord
from .forms import ComposeForm
from .message_sizes import EXPO_PAYLOAD_LIMIT, push_payload_size, sms_size
from .provider_status import unconfigured_targets, warnings_for

SMS_MODULES = ("twilio",)
PUSH_MODULES = ("expo",)


class ComposeSendForm(ComposeForm):
    retry_time_interval = forms.IntegerField(
        label=_("Retry interval (seconds)"),
        min_value=0,
        max_value=7 * 24 * 3600,
        required=False,
        help_text=_("How long to wait before a failed delivery is tried again."),
    )
    max_retries = forms.IntegerField(
        label=_("Max retries"), min_value=0, max_value=50, required=False
    )
    send_now = forms.BooleanField(
        label=_("Send now"),
        required=False,
        help_text=_(
            "Deliver at once through the engine and show the result of each "
            "row, instead of waiting for the next run."
        ),
    )
    accept_long_sms = forms.BooleanField(
        label=_("Send long SMS"),
        required=False,
        help_text=_("An SMS of more than one segment is billed per segment."),
    )

    def __init__(self, data=None, *, modules=(), **kwargs):
        super().__init__(data, **kwargs)
        self.modules = set(modules)
        self.fields["retry_time_interval"].initial = int(
            conf.get_setting("RETRY_TIME_INTERVAL", 300)
        )
        self.fields["max_retries"].initial = int(conf.get_setting("MAX_RETRIES", 3))
        self.sizes = []
        self.fields["body"].widget.attrs.update(live_counter_attrs(self.modules))
        self.fields["target"].widget.attrs["data-na-target-modules"] = json.dumps(
            {
                str(pk): module
                for pk, module in NotificationTarget.objects.values_list(
                    "pk", "notification_module_name"
                )
            }
        )

    class Media:
        # The live counters under the body (a static file: the CSP allows no
        # inline script).
        js = ["notify_admin/js/compose.js"]

    def channels_in_use(self, target):
        if target is not None:
            return {target.notification_module_name} & self.modules
        return self.modules

    def clean(self):
        cleaned = super().clean()
        for name in ("retry_time_interval", "max_retries"):
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = self.fields[name].initial
        title, body = cleaned.get("title"), cleaned.get("body")
        if not title or body is None:
            return cleaned
        modules = self.channels_in_use(cleaned.get("target"))
        if modules & set(SMS_MODULES):
            self.check_sms(body, cleaned.get("accept_long_sms"))
        if modules & set(PUSH_MODULES):
            self.check_push(title, body, cleaned.get("extra"))
        if self.sizes:
            # The bound field copied the help text when cleaning began.
            self.fields["body"].help_text = " ".join(self.sizes)
            self["body"].help_text = self.fields["body"].help_text
        return cleaned

    def check_sms(self, body, accepted):
        size = sms_size(body)
        self.sizes.append(
            ngettext(
                "SMS: %(characters)d characters, %(encoding)s, %(segments)d segment.",
                "SMS: %(characters)d characters, %(encoding)s, %(segments)d segments.",
                size.segments,
            )
            % vars(size)
        )
        if size.segments > 1 and not accepted:
            self.add_error(
                "body",
                forms.ValidationError(
                    _(
                        "This SMS needs %(segments)d segments (%(characters)d "
                        "characters, %(encoding)s), each billed as one message. "
                        "Shorten it, or tick “Send long SMS”."
                    ),
                    code="long_sms",
                    params=vars(size),
                ),
            )

    def check_push(self, title, body, extra):
        size = push_payload_size(title, body, extra)
        self.sizes.append(
            _("Push payload: %(size)d of %(limit)d bytes.")
            % {"size": size, "limit": EXPO_PAYLOAD_LIMIT}
        )
        if size > EXPO_PAYLOAD_LIMIT:
            self.add_error(
                "body",
                forms.ValidationError(
                    _(
                        "The push payload would be %(size)d bytes; Expo accepts "
                        "at most %(limit)d. Shorten the title, body or extra."
                    ),
                    code="push_too_big",
                    params={"size": size, "limit": EXPO_PAYLOAD_LIMIT},
                ),
            )


@functools.cache
def gsm_alphabets():
    """``(basic, extension)``: the characters GSM-7 holds in one septet and
    in two, as ``sms_size`` counts them (for the live counter)."""
    candidates = [chr(c) for c in range(0x400)] + ["€"]
    basic, extension = [], []
    for ch in candidates:
        size = sms_size(ch)
        if size.encoding == "GSM-7":
            (basic if size.units == 1 else extension).append(ch)
    return "".join(basic), "".join(extension)


def live_counter_attrs(modules):
    """The body's data-na-* attributes read by static/notify_admin/js/compose.js."""
    from ..channels.expo import PUSH_OPTIONS

    basic, extension = gsm_alphabets()
    return {
        "data-na-counter": "1",
        "data-na-modules": ",".join(sorted(modules)),
        "data-na-gsm-basic": basic,
        "data-na-gsm-extension": extension,
        "data-na-sms-text": gettext(
            "SMS: {characters} characters, {encoding}, {segments} segment(s)."
        ),
        "data-na-push-text": gettext("Push payload: {size} of {limit} bytes."),
        "data-na-push-base": str(push_payload_size("", "", {})),
        "data-na-push-options": ",".join(PUSH_OPTIONS),
        "data-na-push-limit": str(EXPO_PAYLOAD_LIMIT),
    }


def compose_warnings(model_admin, request, users):
    """Compose's warning per target whose provider is not configured, with
    how many of the selected users' active addresses it holds."""
    records = TargetUserRecord.objects.filter(user__in=users, active=True)
    return warnings_for(unconfigured_targets(records, "target"))


def compose_form(model_admin, request, users, data):
    """The form, told which channels the selected users have active records in."""
    modules = (
        TargetUserRecord.objects.filter(user__in=users, active=True)
        .values_list("target__notification_module_name", flat=True)
        .distinct()
    )
    return ComposeSendForm(data, modules=list(modules))
