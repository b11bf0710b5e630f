"""Forms of the admin: action pages, Notification, NotificationTarget, and
the JSON field every ``extra`` goes through."""

import datetime
import json

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ..channels.registry import available_module_names
from ..models import Notification, NotificationCategory, NotificationTarget
from ..validators import validate_extra_template, validate_json_depth


class BoundedJSONField(forms.JSONField):
    """A JSONField that refuses deeply nested text before parsing it.

    Python's JSON parser raises RecursionError (not a JSONDecodeError) on
    input nested a few thousand levels deep; Django's field would let it
    through as a server error, both when cleaning and when showing the form
    again with its errors. It also refuses a NUL character anywhere in the
    value (``"\\u0000"``): PostgreSQL's jsonb cannot hold one, and saving it
    would be a server error.
    """

    def to_python(self, value):
        if isinstance(value, str) and not self.disabled:
            validate_json_depth(value)
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values and "\\u0000" in json.dumps(
            value, cls=self.encoder
        ):
            raise ValidationError(
                _("NUL characters are not allowed."), code="null_characters"
            )

    def bound_data(self, data, initial):
        if isinstance(data, str) and not self.disabled:
            try:
                validate_json_depth(data)
            except ValidationError:
                return InvalidJSONInput(data)
        return super().bound_data(data, initial)

    def has_changed(self, initial, data):
        try:
            return super().has_changed(initial, data)
        except ValidationError:
            return True


def clean_json_object(value):
    """``extra`` must be a JSON object; the error says what was given instead."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise forms.ValidationError(
            _("Extra must be a JSON object ({...}), not %(kind)s."),
            code="not_an_object",
            params={"kind": _json_kind(value)},
        )
    return value


class RescheduleForm(forms.Form):
    scheduled_delivery = forms.SplitDateTimeField(
        label=_("New scheduled delivery"), widget=AdminSplitDateTime
    )

    #: A time this far back still counts as "now" (the form was filled in).
    GRACE = datetime.timedelta(minutes=5)

    def clean_scheduled_delivery(self):
        """A time in the past would make the rows due at once (and the health
        check report a due age of years): refused, with what to do instead."""
        value = self.cleaned_data["scheduled_delivery"]
        if value is not None and value < timezone.now() - self.GRACE:
            raise forms.ValidationError(
                _(
                    "%(when)s is in the past: rescheduling to it would make these "
                    "notifications due at once. Choose a time from now on, or use "
                    "“Send now” to send them at once."
                ),
                code="past",
                params={
                    "when": date_format(timezone.localtime(value), "DATETIME_FORMAT")
                },
            )
        return value


class ComposeForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("Target"),
        queryset=NotificationTarget.objects.all(),
        required=False,
        empty_label=_("All active targets of each user"),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=NotificationCategory.objects.all(),
        required=False,
        empty_label=_("The default category"),
        help_text=_(
            "Users who turned the category off on a channel do not get it there; "
            "critical categories always go, at once."
        ),
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
    extra = BoundedJSONField(
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


class NotificationForm(forms.ModelForm):
    """The change form of a notification: ``extra`` is a bounded JSON object
    whose ``template_name`` (email) must be a template the channel renders."""

    class Meta:
        model = Notification
        fields = [
            "user_target",
            "category",
            "title",
            "body",
            "extra",
            "status",
            "scheduled_delivery",
            "attempted_delivery",
            "retry_time_interval",
            "retry_attempts",
            "max_retries",
        ]
        field_classes = {"extra": BoundedJSONField}

    def clean_extra(self):
        return clean_json_object(self.cleaned_data.get("extra"))

    def clean(self):
        cleaned = super().clean()
        extra = cleaned.get("extra")
        record = cleaned.get("user_target") or getattr(
            self.instance, "user_target", None
        )
        if extra and record is not None:
            try:
                validate_extra_template(extra, record.target.notification_module_name)
            except ValidationError as err:
                self.add_error("extra", err)
        return cleaned
