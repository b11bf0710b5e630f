"""What guards every notify_admin changelist action before it runs.

- ``guard_actions``: a POST naming an action the user may not run is a 403.
  Django itself drops such an action silently ("No action selected"), which
  hides tampered forms and scripts that lost a permission.
- ``refuse_bad_selection``: a posted selection that is not a list of primary
  keys (``abc``, ``-1`` on a UUID table, ``1 OR 1=1``, an integer too large
  for the column) gets a message and changes nothing; Django would let the
  database raise (a 500).
"""

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router
from django.http import HttpResponseRedirect
from django.utils.inspect import get_func_args
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

SEND_PERMISSION = "notify_admin.send_notification"


def can_send(user):
    return user.has_perm(SEND_PERMISSION)


def posted_action_name(request):
    """The action the POST asks for (the changelist has two action forms)."""
    if request.method != "POST" or "index" not in request.POST:
        return None
    try:
        index = int(request.POST.get("index", 0))
    except ValueError:
        index = 0
    names = request.POST.getlist("action")
    return names[index] if 0 <= index < len(names) else None


def action_name(action):
    """The name of an action as ``get_action()`` returns it: an ``Action``
    (Django 6.1+) or a ``(func, name, description)`` tuple (before)."""
    return action.name if hasattr(action, "name") else action[1]


def declared_actions(get_actions, request, action_location=None):
    """Call a ``get_actions`` (a parent class's, or a host project's) on any
    Django version: ``action_location`` exists from Django 6.1 on, and mixins
    written before it (e.g. import-export's) do not take it."""
    if action_location is None:
        return get_actions(request)
    if "action_location" in get_func_args(get_actions):
        return get_actions(request, action_location=action_location)
    # As Django does for such overrides: no actions on the change form.
    return get_actions(request) if action_location.name == "CHANGE_LIST" else {}


class GuardedActionsMixin:
    """A ModelAdmin's actions, each shown only to those allowed to run it; a
    forged POST of one that is hidden from the user gets a 403, a forged
    selection a message."""

    def get_actions(self, request, action_location=None):
        available = declared_actions(super().get_actions, request, action_location)
        return guard_actions(self, request, available, action_location)

    # **kwargs: Django 6.1 passes the action's location (action_location).
    def response_action(self, request, queryset, **kwargs):
        refused = refuse_bad_selection(self, request, queryset)
        return refused or super().response_action(request, queryset, **kwargs)


def guard_actions(model_admin, request, available, action_location=None):
    """Return ``available`` (the user's actions) or raise PermissionDenied.

    Raised when the request posts a changelist action that ``model_admin``
    declares but that was filtered out for this user by its ``permissions``.
    """
    if action_location is not None and action_location.name != "CHANGE_LIST":
        return available
    name = posted_action_name(request)
    if not name or name in available:
        return available
    for action in model_admin.actions or ():
        found = model_admin.get_action(action)
        if found and action_name(found) == name:
            raise PermissionDenied(
                _("You do not have permission to run “%(action)s”.") % {"action": name}
            )
    return available


def bad_primary_keys(model, values):
    """The posted values that are not primary keys ``model`` could have."""
    pk = model._meta.pk
    connection = connections[router.db_for_read(model)]
    internal_type = pk.get_internal_type()
    low, high = (
        connection.ops.integer_field_range(internal_type)
        if internal_type in connection.ops.integer_field_ranges
        else (None, None)
    )
    bad = []
    for value in values:
        try:
            key = pk.get_prep_value(pk.to_python(value))
        except (ValidationError, ValueError, TypeError, OverflowError):
            bad.append(value)
            continue
        if isinstance(key, int) and not (
            (low is None or key >= low) and (high is None or key <= high)
        ):
            bad.append(value)
    return bad


def refuse_bad_selection(model_admin, request, queryset):
    """A redirect back with an error message when the posted selection holds
    values that are not primary keys, or names no row that still exists;
    None when the action may run."""
    if request.method != "POST" or "index" not in request.POST:
        return None
    selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
    bad = bad_primary_keys(model_admin.model, selected)
    if bad:
        message = ngettext(
            "Nothing was done: %(values)s is not a valid selection.",
            "Nothing was done: %(values)s are not a valid selection.",
            len(bad),
        ) % {"values": ", ".join(f"“{value[:40]}”" for value in bad[:5])}
    elif (
        selected
        and request.POST.get("select_across") in (None, "", "0")
        and not queryset.filter(pk__in=selected).exists()
    ):
        message = _(
            "Nothing was done: none of the selected items exists any more "
            "(or they are outside the current filter)."
        )
    else:
        return None
    model_admin.message_user(request, message, messages.ERROR)
    return HttpResponseRedirect(request.get_full_path())
