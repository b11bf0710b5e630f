"""notify_admin's actions on the host project's user admin.

The host project keeps its own UserAdmin class; ``extend_user_admin()`` adds
a read-only inline (the user's addresses, opt-out and latest notifications,
see ``user_panel``), the notification-preference grid saved with the user
(``preference_grid``) and three actions to the ModelAdmin instance registered
for ``AUTH_USER_MODEL``
(``NotifyAdminConfig.ready()`` calls it once every admin module is loaded):

- "Opt out of notifications"   (needs add + change NotificationOptOut)
- "Reset email target"         (needs add + change TargetUserRecord)
- "Compose notification…"      (needs notify_admin.send_notification)

A host that registers its user admin later (in its own ``ready()``) calls
``extend_user_admin()`` itself afterwards; calling it twice is harmless.
"""

import types
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import delivery
from ..creators import create_notification
from ..exceptions import NotificationsNotCreated, UserHasNoTargetRecords, UserIsOptedOut
from ..models import Notification
from .actions import Confirm, Report, confirmed_action
from .compose import compose_form, compose_warnings
from .compose_template import compose_from_template
from .guards import (
    action_name,
    can_send,
    clean_selection,
    declared_actions,
    guard_actions,
)
from .opt_out import (
    can_manage_opt_outs,
    opt_out_confirmation,
    opt_out_report,
    opt_out_users,
)
from .preference_grid import saving_preferences
from .results import run_report
from .rows import user_rows
from .target_user_record import can_manage_records, reset_email_targets, reset_report
from .unsent import user_entry
from .user_panel import UserRecordsInline

# The "Show them" link after Compose lists up to this many rows by id.
LINK_BY_ID = 50


@confirmed_action(
    permissions=["notify_opt_out"],
    description=_(
        "Opt out of notifications (their open notifications become OPTED_OUT)"
    ),
    confirm=opt_out_confirmation(_("Opt out of notifications"), user_rows),
)
def notify_opt_out(modeladmin, request, queryset):
    return opt_out_report(*opt_out_users(queryset.values_list("pk", flat=True)))


@confirmed_action(
    permissions=["notify_records"],
    description=_("Reset email target from the user's email address"),
    confirm=Confirm(
        title=_("Reset email target"),
        question=_(
            "Reset these users' email records from their account's email "
            "address? Open notifications on old email records move to the "
            "new one."
        ),
        submit_label=_("Yes, reset"),
        rows=user_rows,
    ),
)
def notify_reset_email_target(modeladmin, request, queryset):
    return reset_report(*reset_email_targets(queryset))


@confirmed_action(
    permissions=["notify_send"],
    description=_("Compose notification to the selected users…"),
    confirm=Confirm(
        title=_("Compose notification"),
        question=_(
            "Create a notification for each selected user, on one target or "
            "on every active address they have."
        ),
        notes=[
            _(
                "Users who opted out or have no active address in the target "
                "are skipped and listed afterwards."
            )
        ],
        submit_label=_("Create notifications"),
        form=compose_form,
        rows=user_rows,
        warnings=compose_warnings,
    ),
)
def notify_compose(modeladmin, request, queryset, form):
    if form.template is not None:
        created, skipped, error = compose_from_template(
            queryset, form.cleaned_data, form.personalisation()
        )
        if error is not None:
            return Report().say(
                gettext("Nothing was created: %(error)s") % {"error": error},
                messages.ERROR,
            )
        how = gettext("Compose notification from template %(key)s (admin action).") % {
            "key": form.template.key
        }
    else:
        created, skipped = compose(queryset, form.cleaned_data)
        how = gettext("Compose notification (admin action).")
    report = Report().added(created, how)
    for reason, users in skipped.items():
        report.say(
            ngettext(
                "Skipped %(n)d user (%(reason)s): %(who)s.",
                "Skipped %(n)d users (%(reason)s): %(who)s.",
                len(users),
            )
            % {
                "n": len(users),
                "reason": reason,
                "who": ", ".join(u.get_username() for u in users[:20]),
            },
            messages.WARNING,
        )
    ids = [n.pk for n in created]
    if created and form.cleaned_data["send_now"]:
        result = delivery.send_now(
            Notification.objects.filter(pk__in=ids), source="admin"
        )
        target = form.cleaned_data["target"]
        before = [
            user_entry(
                user,
                REASON_CODES.get(reason, "no_address"),
                target=target.name if target else "",
                title=form.cleaned_data["title"],
            )
            for reason, users in skipped.items()
            for user in users
        ]
        return run_report(
            request,
            result,
            label=gettext("Compose"),
            selected=ids,
            before=before,
            report=report,
        )
    users = len({n.user_target.user_id for n in created})
    done = ngettext(
        "%(n)d notification scheduled", "%(n)d notifications scheduled", len(created)
    ) % {"n": len(created)} + ngettext(
        " for %(users)d user.", " for %(users)d users.", users
    ) % {"users": users}
    if created:
        done = format_html(
            '{} <a href="{}">{}</a>',
            done,
            created_rows_url(request, created),
            gettext("Show them"),
        )
    return report.say(done, messages.SUCCESS if created else messages.WARNING)


def created_rows_url(request, created):
    """The notification changelist filtered to ``created``: by id for a few
    rows, else by title and creation time (one compose makes them all)."""
    url = reverse(
        "admin:notify_admin_notification_changelist",
        current_app=getattr(request, "current_app", None),
    )
    if len(created) <= LINK_BY_ID:
        return f"{url}?{urlencode({'id__in': ','.join(str(n.pk) for n in created)})}"
    times = sorted(n.created for n in created)
    query = {
        "title": created[0].title,
        "created__gte": times[0].isoformat(),
        "created__lte": times[-1].isoformat(),
    }
    return f"{url}?{urlencode(query)}"


#: Why compose() made nothing for a user: (exception, words, reason code).
SKIP_REASONS = (
    (UserIsOptedOut, _("opted out"), "user_opted_out"),
    (UserHasNoTargetRecords, _("no active address"), "no_address"),
    (NotificationsNotCreated, _("nothing created"), "no_address"),
)
REASON_CODES = {str(words): code for _kind, words, code in SKIP_REASONS}


def compose(users, data):
    """Create the composed notification for each user through the creators.

    Returns ``(created_notifications, {reason: [users]})``.
    """
    created, skipped = [], {}
    for user in users:
        try:
            created.extend(
                create_notification(
                    user,
                    data["title"],
                    data["body"],
                    target=data["target"],
                    scheduled_delivery=data["scheduled_delivery"],
                    retry_time_interval=data["retry_time_interval"],
                    max_retries=data["max_retries"],
                    extra=data["extra"],
                    category=data.get("category"),
                )
            )
        except tuple(kind for kind, _words, _code in SKIP_REASONS) as err:
            reason = next(
                str(w) for kind, w, _c in SKIP_REASONS if isinstance(err, kind)
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


def _guarded_response_action(model_admin):
    original = model_admin.response_action

    # **kwargs: Django 6.1 passes the action's location (action_location).
    def response_action(request, queryset, **kwargs):
        refused = clean_selection(model_admin, request, queryset)
        return refused or original(request, queryset, **kwargs)

    return response_action


def _guarded_search(model_admin):
    original = model_admin.get_search_results

    # notify_admin's user pickers (autocomplete) search the user admin: a NUL
    # byte in the term finds nothing (PostgreSQL refuses NUL in any text).
    def get_search_results(request, queryset, search_term):
        if "\x00" in search_term:
            return queryset.none(), False
        return original(request, queryset, search_term)

    return get_search_results


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
    model_admin.response_action = _guarded_response_action(model_admin)
    model_admin.get_search_results = _guarded_search(model_admin)
    # The category x channel grid under the addresses is saved with the user.
    model_admin.save_related = saving_preferences(model_admin)
    model_admin._notify_admin_extended = True
    return model_admin
