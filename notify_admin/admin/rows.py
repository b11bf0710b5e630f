"""What an action's confirmation page lists for each selected row.

Each function takes the selected queryset and returns ``(headers, rows)``
for at most ``SAMPLE_SIZE`` rows, fetched in one query: the user and the
address are always there, so staff see who would get what before a send.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from .actions import SAMPLE_SIZE
from .display import cancellation_text, is_cancelled, status_label


def _email(user):
    return getattr(user, get_user_model().get_email_field_name(), "") or ""


def notification_rows(queryset):
    rows = queryset.select_related(
        "user_target__user", "user_target__target", "cancelled_by"
    )
    return [_("Title"), _("User"), _("Target"), _("Address"), _("Status")], [
        [
            n.title,
            n.user_target.user.get_username(),
            n.user_target.target.name,
            n.user_target.target_user_id,
            row_status(n),
        ]
        for n in rows[:SAMPLE_SIZE]
    ]


def row_status(notification):
    """The status in words, with what a send would meet: a staff
    cancellation says who and when, an inactive address says so."""
    if is_cancelled(notification):
        return cancellation_text(notification)
    label = status_label(notification)
    if not notification.user_target.active:
        return _("%(status)s (inactive address: not sent, becomes Inactive device)") % {
            "status": label
        }
    return label


def record_rows(queryset):
    rows = queryset.select_related("user", "target")
    return [_("User"), _("Target"), _("Address"), _("Active")], [
        [
            r.user.get_username(),
            r.target.name,
            r.target_user_id,
            _("yes") if r.active else _("no"),
        ]
        for r in rows[:SAMPLE_SIZE]
    ]


def user_rows(queryset):
    return [_("User"), _("Email address")], [
        [user.get_username(), _email(user)] for user in queryset[:SAMPLE_SIZE]
    ]


def opt_out_rows(queryset):
    rows = queryset.select_related("user")
    return [_("User"), _("Email address"), _("Opted out")], [
        [o.user.get_username(), _email(o.user), _("yes") if o.active else _("no")]
        for o in rows[:SAMPLE_SIZE]
    ]
