"""Compact changelist columns: dates over times, so the notification list
fits a 1,400 px window with both sidebars open."""

from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _


def compact_time(value):
    """Date over time, two short lines, in the formats Django's admin uses
    everywhere else (the locale's DATE_FORMAT and TIME_FORMAT); "-" for none."""
    if value is None:
        return "-"
    value = timezone.localtime(value)
    return format_html(
        '<time class="na-when" datetime="{}">{}<br>{}</time>',
        value.isoformat(),
        date_format(value, "DATE_FORMAT"),
        time_format(value, "TIME_FORMAT"),
    )


class CompactTimeColumnsMixin:
    """The notification changelist's scheduled / attempted columns."""

    @admin.display(description=_("scheduled"), ordering="scheduled_delivery")
    def scheduled_display(self, obj):
        return compact_time(obj.scheduled_delivery)

    @admin.display(description=_("attempted"), ordering="attempted_delivery")
    def attempted_display(self, obj):
        return compact_time(obj.attempted_delivery)
