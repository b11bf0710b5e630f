"""What a user's own admin page shows of notify_admin: a read-only inline.

The inline lists the user's target user records (addresses) with their open
notifications; under it, a panel gives the user's opt-out state and latest
notifications, each linked to its change page, and a link to all of them;
then the user's category x channel grid (``preference_grid``). Nine queries
whatever the user has.

The inline takes no part in saving the user: it is left out of POST requests,
so the host's user form posts (and the host's own tests) need no formset
management data for it.
"""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from ..models import Notification, NotificationOptOut, TargetUserRecord
from .dashboard import changelist_url
from .filters import UserFilter
from .inlines import ReadOnlyInline
from .preference_grid import grid_context

LATEST = 10
VIEW_NOTIFICATION = "notify_admin.view_notification"


def user_panel(request, user):
    """The panel's context for ``user``, or None when it may not be shown."""
    if user is None or not request.user.has_perm(VIEW_NOTIFICATION):
        return None
    notifications = Notification.objects.filter(user_target__user=user)
    return {
        "latest": list(
            notifications.select_related(
                "user_target__target", "cancelled_by"
            ).order_by("-scheduled_delivery")[:LATEST]
        ),
        "total": notifications.count(),
        "opt_out": NotificationOptOut.objects.filter(user=user).first(),
        "all_url": changelist_url(**{UserFilter.parameter_name: user.pk}),
    }


class UserRecordsInline(ReadOnlyInline):
    model = TargetUserRecord
    fk_name = "user"
    template = "admin/notify_admin/user/records_inline.html"
    verbose_name = _("notification address")
    verbose_name_plural = _("notification addresses")
    fields = ["target", "target_user_id", "description", "active", "open_count"]
    readonly_fields = fields
    show_change_link = True

    class Media:
        css = {"all": ["notify_admin/css/admin.css"]}

    def get_queryset(self, request):
        # Not super(): it asks has_view_permission() without an object, which
        # this inline answers "no" to (that is how it stays off the add page).
        queryset = self.model._default_manager.all()
        if not super().has_view_permission(request):
            queryset = queryset.none()
        return (
            queryset.select_related("target")
            .annotate(
                open_count=Count(
                    "notifications",
                    filter=Q(notifications__status__in=Notification.OPEN_STATUSES),
                )
            )
            .order_by("target__name", "target_user_id")
        )

    @admin.display(description=_("open notifications"))
    def open_count(self, obj):
        return obj.open_count

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.notify_panel = user_panel(request, obj)
        formset.notify_grid = grid_context(request, obj)
        return formset

    def has_view_permission(self, request, obj=None):
        # Only on an existing user's page.
        return obj is not None and super().has_view_permission(request, obj)
