from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import Notification, NotificationOptOut
from .actions import (
    GuardedActionsMixin,
    log_addition,
    log_change,
    needs_confirmation,
    render_action_page,
)
from .change_page import UserAutocompleteMixin


def can_manage_opt_outs(user):
    return user.has_perms(
        [
            "notify_admin.add_notificationoptout",
            "notify_admin.change_notificationoptout",
        ]
    )


def opt_out_users(user_ids):
    """Give each user an active opt-out, applying the seed's rule in bulk.

    Like ``NotificationOptOut.save()`` with ``active=True``, but for many users
    at once: their SCHEDULED and RETRY notifications become OPTED_OUT in one
    UPDATE. Returns ``(created, activated, opted_out_notifications)``.
    """
    user_ids = list(user_ids)
    with transaction.atomic():
        existing = NotificationOptOut.objects.filter(user_id__in=user_ids)
        activated = list(existing.filter(active=False))
        existing.filter(active=False).update(active=True)
        have = set(existing.values_list("user_id", flat=True))
        created = NotificationOptOut.objects.bulk_create(
            [
                NotificationOptOut(user_id=user_id, active=True)
                for user_id in user_ids
                if user_id not in have
            ]
        )
        opted_out = Notification.objects.for_users(user_ids).opt_out()
    return created, activated, opted_out


def report_opt_out(model_admin, request, created, activated, opted_out):
    log_addition(request, created, gettext("Opt out (admin action)."))
    log_change(request, activated, gettext("Opt out (admin action): activated."))
    model_admin.message_user(
        request,
        gettext(
            "Opted out %(users)d users (%(created)d new opt-outs); %(n)d open "
            "notifications marked OPTED_OUT."
        )
        % {
            "users": len(created) + len(activated),
            "created": len(created),
            "n": opted_out,
        },
        messages.SUCCESS,
    )


@admin.register(NotificationOptOut)
class NotificationOptOutAdmin(
    UserAutocompleteMixin, GuardedActionsMixin, admin.ModelAdmin
):
    list_display = ["user", "user_email", "active", "modified"]
    list_filter = ["active"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    user_autocomplete_fields = ["user"]
    actions = ["opt_out", "opt_back_in"]
    show_full_result_count = False

    def get_search_fields(self, request):
        user_model = get_user_model()
        return [
            f"user__{user_model.USERNAME_FIELD}",
            f"user__{user_model.get_email_field_name()}",
        ]

    @admin.display(description=_("email"))
    def user_email(self, obj):
        return getattr(obj.user, get_user_model().get_email_field_name(), "")

    @admin.action(
        permissions=["change"],
        description=_(
            "Opt out: activate the selected opt-outs (open notifications become "
            "OPTED_OUT)"
        ),
    )
    def opt_out(self, request, queryset):
        count = queryset.count()
        if needs_confirmation(request, count):
            return render_action_page(
                self,
                request,
                queryset.select_related("user"),
                count=count,
                title=gettext("Opt out"),
                question=gettext(
                    "Opt these users out? Their SCHEDULED and RETRY notifications "
                    "become OPTED_OUT."
                ),
                submit_label=gettext("Yes, opt out"),
            )
        created, activated, opted_out = opt_out_users(
            queryset.values_list("user_id", flat=True)
        )
        report_opt_out(self, request, created, activated, opted_out)
        return None

    @admin.action(
        permissions=["change"],
        description=_(
            "Opt back in: deactivate the selected opt-outs (notifications already "
            "OPTED_OUT stay so)"
        ),
    )
    def opt_back_in(self, request, queryset):
        count = queryset.count()
        if needs_confirmation(request, count):
            return render_action_page(
                self,
                request,
                queryset.select_related("user"),
                count=count,
                title=gettext("Opt back in"),
                question=gettext("Let these users receive notifications again?"),
                submit_label=gettext("Yes, opt them back in"),
            )
        to_change = queryset.filter(active=True)
        changed = list(to_change)
        to_change.update(active=False)
        log_change(request, changed, gettext("Opt back in (admin action)."))
        self.message_user(
            request,
            gettext("%(n)d users opted back in; %(same)d were not opted out.")
            % {"n": len(changed), "same": count - len(changed)},
            messages.SUCCESS,
        )
        return None
