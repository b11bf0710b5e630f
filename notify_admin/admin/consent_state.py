"""Why a notification was not sent or waits, as staff read it: the user's
opt-out, a preference (which category on which channel), the category's
default, the address's SMS STOP, a staff cancellation, or a deferral by
quiet hours or a blackout period (and until when)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import conf
from ..models import Notification, NotificationCategory

SHORT_REASONS = {
    Notification.REASON_OPT_OUT: _("user opted out"),
    Notification.REASON_PREFERENCE: _("preference"),
    Notification.REASON_CATEGORY: _("category default"),
    Notification.REASON_CHANNEL: _("SMS STOP"),
}


def short_state(obj):
    """The list's second line under the status ("" for none)."""
    if obj.status == Notification.OPTED_OUT:
        if obj.cancelled_at is not None:
            return gettext("cancelled by staff")
        return str(SHORT_REASONS.get(obj.opted_out_reason, ""))
    if obj.status in Notification.OPEN_STATUSES and obj.deferred_until:
        when = timezone.localtime(obj.deferred_until)
        return gettext("deferred until %(when)s") % {"when": f"{when:%Y-%m-%d %H:%M}"}
    return ""


def row_category(obj):
    """The row's category, or the default one (one query at most)."""
    if obj.category_id is not None:
        return obj.category
    return NotificationCategory.objects.filter(key=conf.default_category_key()).first()


def full_state(obj):
    """The change page's sentence (category and channel named)."""
    category = row_category(obj)
    names = {
        "category": category.name if category else gettext("(no category)"),
        "channel": obj.user_target.target.name,
    }
    parts = []
    if obj.status == Notification.OPTED_OUT and obj.cancelled_at is None:
        text = {
            Notification.REASON_OPT_OUT: gettext(
                "Not sent: the user opted out of all notifications."
            ),
            Notification.REASON_PREFERENCE: gettext(
                "Not sent: the user turned %(category)s off on %(channel)s."
            ),
            Notification.REASON_CATEGORY: gettext(
                "Not sent: %(category)s is off by default on %(channel)s and the "
                "user did not turn it on."
            ),
            Notification.REASON_CHANNEL: gettext(
                "Not sent: the address opted out (SMS STOP)."
            ),
        }.get(obj.opted_out_reason)
        if text:
            parts.append(text % names)
    if obj.deferred_until:
        reason = obj.get_deferral_reason_display() or gettext("a hold")
        if obj.status in Notification.OPEN_STATUSES:
            sentence = gettext(
                "Deferred until %(when)s by %(reason)s (no retry spent)."
            )
        else:
            sentence = gettext("Was deferred until %(when)s by %(reason)s.")
        parts.append(
            sentence
            % {
                "when": f"{timezone.localtime(obj.deferred_until):%Y-%m-%d %H:%M %Z}",
                "reason": reason,
            }
        )
    return parts, category


class ConsentStateMixin:
    """The notification admin's consent column and change-page field."""

    @admin.display(description=_("consent"))
    def consent_state(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        parts, category = full_state(obj)
        badge = ""
        if category is not None and category.critical:
            badge = format_html(
                ' <span class="na-critical">{}</span>', gettext("critical")
            )
        head = format_html(
            "{}: {}{}",
            gettext("Category"),
            category.name if category else gettext("none"),
            badge,
        )
        return format_html(
            "{}{}", head, format_html_join("", "<br>{}", ((part,) for part in parts))
        )
