"""notify_admin's actions on the host project's user admin.

The host project keeps its own UserAdmin class; ``extend_user_admin()`` adds
a read-only inline (the user's addresses, opt-out and latest notifications,
see ``user_panel``) and three actions to the ModelAdmin instance registered
for ``AUTH_USER_MODEL``
(``NotifyAdminConfig.ready()`` calls it once every admin module is loaded):

- "Opt out of notifications"   (needs add + change NotificationOptOut)
- "Reset email target"         (needs add + change TargetUserRecord)
- "Compose notification…"      (needs notify_admin.send_notification)

A host that registers its user admin later (in its own ``ready()``) calls
``extend_user_admin()`` itself afterwards; calling it twice is harmless.
"""

import types

from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..creators import create_notification
from ..exceptions import NotificationsNotCreated, UserHasNoTargetRecords, UserIsOptedOut
from .actions import (
    action_name,
    can_send,
    declared_actions,
    guard_actions,
    is_confirmed,
    log_addition,
    needs_confirmation,
    render_action_page,
)
from .forms import ComposeForm
from .opt_out import can_manage_opt_outs, opt_out_users, report_opt_out
from .target_user_record import can_manage_records, report_reset, reset_email_targets
from .user_panel import UserRecordsInline


@admin.action(
    permissions=["notify_opt_out"],
    description=_(
        "Opt out of notifications (their open notifications become OPTED_OUT)"
    ),
)
def notify_opt_out(modeladmin, request, queryset):
    count = queryset.count()
    if needs_confirmation(request, count):
        return render_action_page(
            modeladmin,
            request,
            queryset,
            count=count,
            title=gettext("Opt out of notifications"),
            question=gettext(
                "Opt these users out? Their SCHEDULED and RETRY notifications "
                "become OPTED_OUT."
            ),
            submit_label=gettext("Yes, opt out"),
        )
    created, activated, opted_out = opt_out_users(queryset.values_list("pk", flat=True))
    report_opt_out(modeladmin, request, created, activated, opted_out)
    return None


@admin.action(
    permissions=["notify_records"],
    description=_("Reset email target from the user's email address"),
)
def notify_reset_email_target(modeladmin, request, queryset):
    count = queryset.count()
    if needs_confirmation(request, count):
        return render_action_page(
            modeladmin,
            request,
            queryset,
            count=count,
            title=gettext("Reset email target"),
            question=gettext(
                "Reset these users' email records from their account's email "
                "address? Open notifications on old email records move to the "
                "new one."
            ),
            submit_label=gettext("Yes, reset"),
        )
    records, skipped = reset_email_targets(queryset)
    report_reset(modeladmin, request, records, skipped)
    return None


@admin.action(
    permissions=["notify_send"],
    description=_("Compose notification to the selected users…"),
)
def notify_compose(modeladmin, request, queryset):
    form = ComposeForm(request.POST if is_confirmed(request) else None)
    if not form.is_valid():
        return render_action_page(
            modeladmin,
            request,
            queryset,
            form=form,
            title=gettext("Compose notification"),
            question=gettext(
                "Create a notification for each selected user, on one target or "
                "on every active address they have."
            ),
            notes=[
                gettext(
                    "Users who opted out or have no active address in the target "
                    "are skipped and listed afterwards."
                )
            ],
            submit_label=gettext("Create notifications"),
        )
    created, skipped = compose(queryset, form.cleaned_data)
    log_addition(request, created, gettext("Compose notification (admin action)."))
    modeladmin.message_user(
        request,
        gettext("%(n)d notifications scheduled for %(users)d users.")
        % {"n": len(created), "users": len({n.user_target.user_id for n in created})},
        messages.SUCCESS if created else messages.WARNING,
    )
    for reason, users in skipped.items():
        modeladmin.message_user(
            request,
            gettext("Skipped %(n)d users (%(reason)s): %(who)s.")
            % {
                "n": len(users),
                "reason": reason,
                "who": ", ".join(u.get_username() for u in users[:20]),
            },
            messages.WARNING,
        )
    return None


def compose(users, data):
    """Create the composed notification for each user through the creators.

    Returns ``(created_notifications, {reason: [users]})``.
    """
    created, skipped = [], {}
    reasons = {
        UserIsOptedOut: gettext("opted out"),
        UserHasNoTargetRecords: gettext("no active address"),
        NotificationsNotCreated: gettext("nothing created"),
    }
    for user in users:
        try:
            created.extend(
                create_notification(
                    user,
                    data["title"],
                    data["body"],
                    target=data["target"],
                    scheduled_delivery=data["scheduled_delivery"],
                    extra=data["extra"],
                )
            )
        except tuple(reasons) as err:
            reason = next(
                text for kind, text in reasons.items() if isinstance(err, kind)
            )
            skipped.setdefault(reason, []).append(user)
    return created, skipped


USER_ACTIONS = (notify_opt_out, notify_reset_email_target, notify_compose)

_PERMISSION_CHECKS = {
    "has_notify_opt_out_permission": can_manage_opt_outs,
    "has_notify_records_permission": can_manage_records,
    "has_notify_send_permission": can_send,
}


def _permission_method(model_admin, check):
    def has_permission(self, request):
        return check(request.user)

    return types.MethodType(has_permission, model_admin)


def _guarded_get_actions(model_admin):
    original = model_admin.get_actions

    # Same signature as ModelAdmin.get_actions (Django 6.1 looks for the
    # action_location parameter by name).
    def get_actions(request, action_location=None):
        available = declared_actions(original, request, action_location)
        return guard_actions(model_admin, request, available, action_location)

    return get_actions


def extend_user_admin(site=None):
    """Add notify_admin's user actions to the user ModelAdmin of ``site``.

    Returns the extended ModelAdmin, or None when no admin is registered for
    the user model (nothing to extend then).
    """
    site = site or admin.site
    try:
        model_admin = site.get_model_admin(get_user_model())
    except NotRegistered:
        return None
    if getattr(model_admin, "_notify_admin_extended", False):
        return model_admin
    existing = [model_admin.get_action(a) for a in model_admin.actions or ()]
    names = {action_name(found) for found in existing if found}
    model_admin.actions = [
        *(model_admin.actions or ()),
        *(action for action in USER_ACTIONS if action.__name__ not in names),
    ]
    # The user's addresses, opt-out and latest notifications, read-only.
    model_admin.inlines = [*(model_admin.inlines or ()), UserRecordsInline]
    for method_name, check in _PERMISSION_CHECKS.items():
        setattr(model_admin, method_name, _permission_method(model_admin, check))
    # Instance attribute, looked up on every request: a 403 for a posted action
    # the user may not run, as on notify_admin's own changelists.
    model_admin.get_actions = _guarded_get_actions(model_admin)
    model_admin._notify_admin_extended = True
    return model_admin
