"""The recipient's own settings on their preference page."""

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import RecipientSettings


def time_zone_choices():
    return [("", _("The site's default"))] + [
        (name, name.replace("_", " "))
        for name in sorted(zoneinfo.available_timezones())
    ]


class QuietHoursForm(forms.ModelForm):
    """Time zone and quiet hours; blank times: the site's default window."""

    time_zone = forms.ChoiceField(
        label=_("Your time zone"), choices=time_zone_choices, required=False
    )

    class Meta:
        model = RecipientSettings
        fields = ["time_zone", "quiet_hours_start", "quiet_hours_end"]
        labels = {
            "quiet_hours_start": _("Quiet from"),
            "quiet_hours_end": _("Quiet until"),
        }
        widgets = {
            "quiet_hours_start": forms.TimeInput(
                attrs={"type": "time"}, format="%H:%M"
            ),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "quiet_hours_end": _(
                "No messages between these times (in your time zone), except "
                "critical ones; what is due then arrives when they end. The same "
                "time twice: no quiet hours."
            )
        }

    def describe(self):
        data = self.cleaned_data
        start, end = data.get("quiet_hours_start"), data.get("quiet_hours_end")
        window = f"{start:%H:%M}-{end:%H:%M}" if start and end else "site default"
        return (
            f"time zone {data.get('time_zone') or 'site default'}, quiet hours {window}"
        )
