"""Forms of the admin's intermediate action pages and of NotificationTarget."""

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.translation import gettext_lazy as _

from ..channels.registry import available_module_names
from ..models import NotificationTarget


class RescheduleForm(forms.Form):
    scheduled_delivery = forms.SplitDateTimeField(
        label=_("New scheduled delivery"), widget=AdminSplitDateTime
    )


class ComposeForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("Target"),
        queryset=NotificationTarget.objects.all(),
        required=False,
        empty_label=_("All active targets of each user"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 5}))
    scheduled_delivery = forms.SplitDateTimeField(
        label=_("Scheduled delivery"),
        widget=AdminSplitDateTime,
        required=False,
        help_text=_(
            "Leave empty to deliver with the next run (sending the same message "
            "again then adds nothing: the creators return the open rows)."
        ),
    )
    extra = forms.JSONField(
        label=_("Extra (JSON)"),
        required=False,
        initial=dict,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('A JSON object passed to the channel, e.g. {"sound": "default"}.'),
    )

    def clean_extra(self):
        extra = self.cleaned_data.get("extra")
        if extra in (None, ""):
            return {}
        if not isinstance(extra, dict):
            raise forms.ValidationError(
                _("Extra must be a JSON object ({...}), not %(kind)s."),
                code="not_an_object",
                params={"kind": _json_kind(extra)},
            )
        return extra


def _json_kind(value):
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, str):
        return _("a string")
    if isinstance(value, list):
        return _("an array")
    return _("null")


class NotificationTargetForm(forms.ModelForm):
    """The module name must name a channel the registry can load, so a typo is a
    form error here instead of a failure at send time."""

    class Meta:
        model = NotificationTarget
        fields = ["name", "notification_module_name"]

    def clean_notification_module_name(self):
        value = self.cleaned_data["notification_module_name"].strip()
        names = available_module_names()
        if value not in names:
            raise forms.ValidationError(
                _("“%(value)s” is not an available channel. Choose one of: %(names)s."),
                code="unknown_channel",
                params={"value": value, "names": ", ".join(sorted(names))},
            )
        return value
