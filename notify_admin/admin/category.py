"""Categories: what a notification is about. Staff see at a glance which are
critical (always sent, at once) and on which channels each is off by default."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .. import conf
from ..models import NotificationCategory
from .guards import GuardedActionsMixin


class NotificationCategoryForm(forms.ModelForm):
    class Meta:
        model = NotificationCategory
        fields = ["key", "name", "description", "critical", "off_by_default"]
        widgets = {"off_by_default": forms.CheckboxSelectMultiple}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("critical") and cleaned.get("off_by_default"):
            self.add_error(
                "off_by_default",
                _(
                    "A critical category is always sent: it cannot be off by "
                    "default on any channel."
                ),
            )
        return cleaned


def critical_badge(category):
    if category is None or not category.critical:
        return ""
    return format_html(
        '<span class="na-critical" title="{}">{}</span>',
        _("Always sent, at once: users cannot turn it off"),
        _("critical"),
    )


@admin.register(NotificationCategory)
class NotificationCategoryAdmin(GuardedActionsMixin, admin.ModelAdmin):
    form = NotificationCategoryForm
    list_display = ["name_display", "key", "critical", "off_by_default_display"]
    list_display_links = ["name_display"]
    list_filter = ["critical"]
    search_fields = ["key", "name"]
    # Deleting is for one unused category at a time, from its page.
    actions = None

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("off_by_default")

    def get_readonly_fields(self, request, obj=None):
        # Unsubscribe links and CSV files name a category by its key.
        return ["key"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (
            obj.key == conf.default_category_key() or obj.notifications.exists()
        ):
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("name"), ordering="name")
    def name_display(self, obj):
        if obj.key == conf.default_category_key():
            return format_html("{} {}", obj.name, critical_badge(obj) or _("(default)"))
        return format_html("{} {}", obj.name, critical_badge(obj))

    @admin.display(description=_("off by default on"))
    def off_by_default_display(self, obj):
        targets = list(obj.off_by_default.all())
        if obj.critical or not targets:
            return "-"
        return format_html_join(", ", "{}", ((t.name,) for t in targets))
