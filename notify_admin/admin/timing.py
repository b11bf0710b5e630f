"""When notifications may go: site-wide blackout periods, and each user's
time zone and quiet hours (what the default quiet-hours hook reads)."""

import zoneinfo

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import BlackoutPeriod, RecipientSettings
from .change_page import UserAutocompleteMixin
from .guards import GuardedActionsMixin


class OverFilter(admin.SimpleListFilter):
    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("coming", _("Now or to come")), ("over", _("Over"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "coming":
            return queryset.filter(end_date__gte=today)
        if self.value() == "over":
            return queryset.filter(end_date__lt=today)
        return queryset


@admin.register(BlackoutPeriod)
class BlackoutPeriodAdmin(GuardedActionsMixin, admin.ModelAdmin):
    list_display = ["name", "start_date", "end_date"]
    list_filter = [OverFilter]
    search_fields = ["name"]
    ordering = ["-start_date"]
    fields = ["name", "start_date", "end_date"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "start_date" not in form.base_fields:  # read-only for this user
            return form
        form.base_fields["start_date"].help_text = _(
            "Non-critical notifications due on these days (each recipient's own "
            "date, in their time zone) wait until the day after the last one, "
            "outside their quiet hours. Critical categories still go."
        )
        return form


def time_zone_choices():
    return [("", _("Site default"))] + [
        (name, name) for name in sorted(zoneinfo.available_timezones())
    ]


class RecipientSettingsForm(forms.ModelForm):
    time_zone = forms.TypedChoiceField(
        label=_("time zone"), choices=time_zone_choices, required=False
    )

    class Meta:
        model = RecipientSettings
        fields = ["user", "time_zone", "quiet_hours_start", "quiet_hours_end"]


@admin.register(RecipientSettings)
class RecipientSettingsAdmin(
    UserAutocompleteMixin, GuardedActionsMixin, admin.ModelAdmin
):
    form = RecipientSettingsForm
    list_display = ["user", "time_zone", "quiet_hours_start", "quiet_hours_end"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    user_autocomplete_fields = ["user"]
    show_full_result_count = False

    def get_search_fields(self, request):
        user_model = get_user_model()
        return [
            f"user__{user_model.USERNAME_FIELD}",
            f"user__{user_model.get_email_field_name()}",
            "time_zone",
        ]
