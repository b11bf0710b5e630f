"""The opt-out admin and its actions (opting many users out in bulk)."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ..models import Notification, NotificationOptOut
from .actions import Confirm, Report, confirmed_action
from .change_page import UserAutocompleteMixin
from .guards import GuardedActionsMixin
from .rows import opt_out_rows


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


def opt_out_report(created, activated, opted_out):
    """The report of an opt-out action (opt-out and user admins alike)."""
    users = len(created) + len(activated)
    return (
        Report()
        .added(created, gettext("Opt out (admin action)."))
        .changed(activated, gettext("Opt out (admin action): activated."))
        .say(
            ngettext("Opted out %(users)d user", "Opted out %(users)d users", users)
            % {"users": users}
            + ngettext(
                " (%(created)d new opt-out); ",
                " (%(created)d new opt-outs); ",
                len(created),
            )
            % {"created": len(created)}
            + ngettext(
                "%(n)d open notification marked OPTED_OUT.",
                "%(n)d open notifications marked OPTED_OUT.",
                opted_out,
            )
            % {"n": opted_out},
            messages.SUCCESS,
        )
    )


def opt_out_confirmation(title, rows):
    """The confirmation of an opt-out (opt-out and user admins alike)."""
    return Confirm(
        title=title,
        question=_(
            "Opt these users out? Their SCHEDULED and RETRY notifications "
            "become OPTED_OUT."
        ),
        submit_label=_("Yes, opt out"),
        rows=rows,
    )


@confirmed_action(
    permissions=["change"],
    description=_(
        "Opt out: activate the selected opt-outs (open notifications become OPTED_OUT)"
    ),
    confirm=opt_out_confirmation(_("Opt out"), opt_out_rows),
)
def opt_out(model_admin, request, queryset):
    return opt_out_report(*opt_out_users(queryset.values_list("user_id", flat=True)))


@confirmed_action(
    permissions=["change"],
    description=_(
        "Opt back in: deactivate the selected opt-outs (notifications already "
        "OPTED_OUT stay so)"
    ),
    confirm=Confirm(
        title=_("Opt back in"),
        question=_("Let these users receive notifications again?"),
        submit_label=_("Yes, opt them back in"),
        rows=opt_out_rows,
    ),
)
def opt_back_in(model_admin, request, queryset):
    count = queryset.count()
    left = list(queryset.filter(active=False).select_related("user")[:5])
    to_change = queryset.filter(active=True)
    changed = list(to_change)
    to_change.update(active=False, modified=timezone.now())
    same = count - len(changed)
    named = ", ".join(o.user.get_username() for o in left)
    if same > 5:
        named += " " + gettext("and %(n)d more") % {"n": same - 5}
    return (
        Report()
        .changed(changed, gettext("Opt back in (admin action)."))
        .say(
            ngettext(
                "%(n)d user opted back in",
                "%(n)d users opted back in",
                len(changed),
            )
            % {"n": len(changed)}
            + (
                ngettext(
                    "; %(same)d skipped, not opted out: %(named)s.",
                    "; %(same)d skipped, not opted out: %(named)s.",
                    same,
                )
                % {"same": same, "named": named}
                if same
                else "."
            ),
            messages.SUCCESS,
        )
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
    actions = [opt_out, opt_back_in]
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
