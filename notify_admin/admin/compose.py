"""The form of the "Compose notification…" user action, with what it costs.

``ComposeSendForm`` adds to the plain ``ComposeForm``: retry settings whose
defaults come from settings (``NOTIFICATION_SYSTEM_RETRY_TIME_INTERVAL``,
default 300 s, and ``NOTIFICATION_SYSTEM_MAX_RETRIES``, default 3), "send now",
and the size of the message for each channel the selected users have records
in, as the channel measures it (``Channel.measure``): SMS characters,
encoding and segments, a push payload against its limit. A message a channel
cannot send is refused; one that costs more (an SMS of several segments) is
only accepted once "send long SMS" is ticked.
"""

import logging

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import conf
from ..channels.registry import available_module_names, get_channel
from ..exceptions import UnknownChannel
from ..models import TargetUserRecord
from .forms import ComposeForm

logger = logging.getLogger("notify_admin.admin")


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
        accepted = cleaned.get("accept_long_sms")
        order = {name: i for i, name in enumerate(available_module_names())}
        for module_name in sorted(modules, key=lambda m: (order.get(m, len(order)), m)):
            self.check_size(module_name, title, body, cleaned.get("extra"), accepted)
        if self.sizes:
            # The bound field copied the help text when cleaning began.
            self.fields["body"].help_text = " ".join(self.sizes)
            self["body"].help_text = self.fields["body"].help_text
        return cleaned

    def check_size(self, module_name, title, body, extra, accepted):
        try:
            size = get_channel(module_name).measure(title, body, extra)
        except UnknownChannel:
            return
        except Exception:  # noqa: BLE001
            # A broken extra channel (system check E011) measures nothing.
            logger.exception("Channel %r could not measure a message", module_name)
            return
        if size is None:
            return
        self.sizes.append(size.summary)
        problem = size.error or (size.confirm if not accepted else "")
        if problem:
            self.add_error("body", forms.ValidationError(problem, code=size.code))


def compose_form(model_admin, request, users, data):
    """The form, told which channels the selected users have active records in."""
    modules = (
        TargetUserRecord.objects.filter(user__in=users, active=True)
        .values_list("target__notification_module_name", flat=True)
        .distinct()
    )
    return ComposeSendForm(data, modules=list(modules))
