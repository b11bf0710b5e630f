"""The form of the "Compose notification…" user action, with what it costs.

``ComposeSendForm`` adds to the plain ``ComposeForm``: retry settings whose
defaults come from settings (``NOTIFICATION_SYSTEM_RETRY_TIME_INTERVAL``,
default 300 s, and ``NOTIFICATION_SYSTEM_MAX_RETRIES``, default 3), "send now",
and the size of the message for each channel the selected users have records
in, as the channel measures it (``Channel.measure``): SMS characters,
encoding and segments, a push payload against its limit. A message a channel
cannot send is refused; one that costs more (an SMS of several segments) is
only accepted once "send long SMS" is ticked. "From template"
(:mod:`.compose_template`) replaces the title and body by a message template
and a value per placeholder.

The same figures show live under the body while it is typed: a few lines of
static JavaScript (static/notify_admin/js/compose.js: no build step, no inline
script, as the console's CSP wants) post the form's title, body and extra to
:func:`measure_view` and show what the channels answer, so the browser never
counts by rules of its own.
"""

import json
import logging

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .. import conf
from ..channels.registry import available_module_names, get_channel
from ..exceptions import UnknownChannel
from ..models import NotificationTarget, TargetUserRecord
from .compose_template import TemplateComposeMixin
from .forms import ComposeForm
from .guards import can_send
from .provider_status import unconfigured_targets, warnings_for

logger = logging.getLogger("notify_admin.admin")


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
        self.fields["body"].widget.attrs.update(
            {
                "data-na-counter": "1",
                "data-na-measure-url": reverse(
                    "admin:notify_admin_notification_measure"
                ),
                "data-na-modules": ",".join(sorted(self.modules)),
            }
        )
        self.fields["target"].widget.attrs["data-na-target-modules"] = json.dumps(
            {
                str(pk): module
                for pk, module in NotificationTarget.objects.values_list(
                    "pk", "notification_module_name"
                )
            }
        )
        # "From template": a template, and a field per placeholder.
        self.add_template_fields(data)

    class Media:
        # The live sizes under the body (a static file: the CSP allows no
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
        self.clean_template_fields(cleaned)
        if self.template is not None:
            # The template's own checks measured its text when it was saved,
            # and rendering measures each user's message again.
            return cleaned
        title, body = cleaned.get("title"), cleaned.get("body")
        if not title or body is None:
            return cleaned
        modules = self.channels_in_use(cleaned.get("target"))
        accepted = cleaned.get("accept_long_sms")
        for size in measure(modules, title, body, cleaned.get("extra"), accepted):
            self.sizes.append(size["summary"])
            if size["problem"]:
                self.add_error(
                    "body", forms.ValidationError(size["problem"], code=size["code"])
                )
        if self.sizes:
            # The bound field copied the help text when cleaning began.
            self.fields["body"].help_text = " ".join(self.sizes)
            self["body"].help_text = self.fields["body"].help_text
        return cleaned


def measure(modules, title, body, extra, accepted):
    """``[{"module", "summary", "problem", "code"}]``: each channel's answer
    (``Channel.measure``) in the registry's order; ``problem`` is what keeps
    the form from being sent ("" when nothing does)."""
    order = {name: i for i, name in enumerate(available_module_names())}
    sizes = []
    for module_name in sorted(modules, key=lambda m: (order.get(m, len(order)), m)):
        try:
            size = get_channel(module_name).measure(title, body, extra)
        except UnknownChannel:
            continue
        except Exception:  # noqa: BLE001
            # A broken extra channel (system check E011) measures nothing.
            logger.exception("Channel %r could not measure a message", module_name)
            continue
        if size is None:
            continue
        sizes.append(
            {
                "module": module_name,
                "summary": str(size.summary),
                "problem": str(size.error or (size.confirm if not accepted else "")),
                "code": size.code,
            }
        )
    return sizes


@require_POST
def measure_view(request):
    """The live sizes of Compose (JSON): the same answers the form gives when
    it is sent, for the title, body and extra typed so far. Staff who may
    send only; a bad extra counts as none, unknown channels are left out."""
    if not can_send(request.user):
        raise PermissionDenied
    known = set(available_module_names())
    modules = {m for m in request.POST.get("modules", "").split(",") if m in known}
    try:
        extra = json.loads(request.POST.get("extra") or "{}")
    except (ValueError, RecursionError):
        extra = {}
    if not isinstance(extra, dict):
        extra = {}
    sizes = measure(
        modules,
        request.POST.get("title", ""),
        request.POST.get("body", ""),
        extra,
        request.POST.get("accept_long_sms") in ("on", "1", "true"),
    )
    return JsonResponse({"sizes": sizes})


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
