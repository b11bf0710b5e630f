"""The form of the "Compose notification…" user action, with what it costs.

``ComposeSendForm`` adds to the plain ``ComposeForm``: retry settings whose
defaults come from settings (``NOTIFICATION_SYSTEM_RETRY_TIME_INTERVAL``,
default 300 s, and ``NOTIFICATION_SYSTEM_MAX_RETRIES``, default 3), "send now",
and the size of the message for the selected users' channels: SMS characters,
encoding and segments, and the push payload against Expo's 4096-byte limit.
A body that needs more than one SMS segment is only accepted once "send long
SMS" is ticked; a push payload over the limit is refused. "From template"
(:mod:`.compose_template`) replaces the title and body by a message template
and a value per placeholder.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import conf
from ..models import TargetUserRecord
from .compose_template import TemplateComposeMixin
from .forms import ComposeForm
from .message_sizes import EXPO_PAYLOAD_LIMIT, push_payload_size, sms_size

SMS_MODULES = ("twilio",)
PUSH_MODULES = ("expo",)


class ComposeSendForm(TemplateComposeMixin, ComposeForm):
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
        # "From template": a template, and a field per placeholder.
        self.add_template_fields(data)

    def channels_in_use(self, target):
        if target is not None:
            return {target.notification_module_name} & self.modules
        return self.modules

    def clean(self):
        cleaned = super().clean()
        for name in ("retry_time_interval", "max_retries"):
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = self.fields[name].initial
        self.clean_template_fields(cleaned)
        if self.template is not None:
            # The template's own checks measured its text when it was saved,
            # and rendering measures each user's message again.
            return cleaned
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


def compose_form(model_admin, request, users, data):
    """The form, told which channels the selected users have active records in."""
    modules = (
        TargetUserRecord.objects.filter(user__in=users, active=True)
        .values_list("target__notification_module_name", flat=True)
        .distinct()
    )
    return ComposeSendForm(data, modules=list(modules))
