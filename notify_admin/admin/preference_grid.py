"""The category x channel grid on a user's admin page.

Shown under the user's addresses (see ``user_panel``): what the user gets of
each category on each channel, and why (their own choice, the category's
default, critical). Staff who may add and change preferences tick and untick
cells and save the user as usual: the grid's inputs are part of the user's
form, and ``saving_preferences`` (wrapped around the user admin's
``save_related``) writes the cells that changed, one admin-log entry each. A
POST without the grid's fields (the host's own tests, scripts) changes no
preference.
"""

from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.utils.translation import gettext, ngettext

from ..consent.changes import apply_grid
from ..consent.grid import SHOWN, build_grid, wanted_from_post

VIEW = "notify_admin.view_notificationpreference"
EDIT = (
    "notify_admin.add_notificationpreference",
    "notify_admin.change_notificationpreference",
)


def can_edit_preferences(user):
    return user.has_perms(EDIT)


def grid_context(request, user):
    """The grid's template context, or None when it may not be shown."""
    if user is None or not request.user.has_perm(VIEW):
        return None
    return {
        "grid": build_grid(user),
        "editable": can_edit_preferences(request.user),
        "shown_field": SHOWN,
    }


def describe(preference):
    state = gettext("on") if preference.enabled else gettext("off")
    return gettext("%(category)s on %(channel)s: %(state)s") % {
        "category": preference.category.name,
        "channel": preference.target.name,
        "state": state,
    }


def save_grid(request, user):
    """Apply the posted grid for ``user``; log and report what changed."""
    if SHOWN not in request.POST or not can_edit_preferences(request.user):
        return []
    changes = apply_grid(user, wanted_from_post(build_grid(user), request.POST))
    for preference, created in changes:
        LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=[preference],
            action_flag=ADDITION if created else CHANGE,
            change_message=gettext("%(change)s (on the user's page).")
            % {"change": describe(preference)},
            single_object=True,
        )
    if changes:
        messages.success(
            request,
            ngettext(
                "%(n)d notification preference changed: %(what)s.",
                "%(n)d notification preferences changed: %(what)s.",
                len(changes),
            )
            % {
                "n": len(changes),
                "what": "; ".join(describe(p) for p, _created in changes),
            },
        )
    return changes


def saving_preferences(model_admin):
    """``model_admin.save_related`` that also saves the grid (in the same
    transaction as the user's form)."""
    original = model_admin.save_related

    def save_related(request, form, formsets, change):
        original(request, form, formsets, change)
        if change:
            save_grid(request, form.instance)

    return save_related
