"""What guards every notify_admin changelist action before it runs.

- ``guard_actions``: a POST naming an action the user may not run is a 403.
  Django itself drops such an action silently ("No action selected"), which
  hides tampered forms and scripts that lost a permission.
- ``clean_selection``: the posted selection is parsed before the action
  sees it. Values that are not primary keys the table could hold (``abc``,
  ``-1`` on a UUID table, ``1 OR 1=1``, an integer too large for the column,
  NUL bytes) are dropped with a warning naming them, and the action runs on
  the rest (its confirmation page re-posts the rest only); with nothing
  left, or none of the rows still there, nothing is done and a message says
  why. Django would let the database raise (a 500).
- a NUL byte in a changelist's query string is a bad link (back to the list,
  as Django does for an unknown lookup), and searches the autocomplete view
  with one find nothing: PostgreSQL refuses NUL in any text it is sent.

``GuardedActionsMixin`` also draws foreign keys with widgets that ignore
invalid submitted values (:mod:`.safe_widgets`).
"""

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.utils.inspect import get_func_args
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .keys import invalid_values
from .safe_widgets import SafeWidgetsMixin

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


class GuardedActionsMixin(SafeWidgetsMixin):
    """A ModelAdmin's actions, each shown only to those allowed to run it; a
    forged POST of one that is hidden from the user gets a 403, forged
    values in a selection a message; foreign-key widgets that show the form
    again whatever was posted."""

    def get_actions(self, request, action_location=None):
        available = declared_actions(super().get_actions, request, action_location)
        return guard_actions(self, request, available, action_location)

    # **kwargs: Django 6.1 passes the action's location (action_location).
    def response_action(self, request, queryset, **kwargs):
        refused = clean_selection(self, request, queryset)
        return refused or super().response_action(request, queryset, **kwargs)

    def get_changelist_instance(self, request):
        # A NUL byte in a filter or the search (PostgreSQL refuses it in any
        # text it is sent) is a bad link, as Django treats an unknown lookup:
        # back to the list without its parameters.
        if has_nul(request.GET):
            raise IncorrectLookupParameters("NUL byte in the query string")
        return super().get_changelist_instance(request)

    def get_search_results(self, request, queryset, search_term):
        # The changelist is guarded above; this is for the autocomplete view.
        if "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


def has_nul(query):
    """Whether a QueryDict holds a NUL byte in any name or value."""
    return any(
        "\x00" in name or any("\x00" in value for value in values)
        for name, values in query.lists()
    )


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
    return invalid_values(model._meta.pk, values, model=model)


def clean_selection(model_admin, request, queryset):
    """Drop the posted selection's values that are not primary keys (with a
    warning naming them); a redirect back with an error message when
    nothing is left to act on, else None (the action may run, on what is
    left: ``request.POST`` then holds the valid values only)."""
    if request.method != "POST" or "index" not in request.POST:
        return None
    selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
    bad = bad_primary_keys(model_admin.model, selected)
    across = request.POST.get("select_across") not in (None, "", "0")
    if bad:
        kept = [value for value in selected if value not in bad]
        values = ", ".join(f"“{shown(value)}”" for value in bad[:5])
        if len(bad) > 5:
            values += ", …"
        if not kept and not across:
            return refuse(
                model_admin,
                request,
                ngettext(
                    "Nothing was done: %(values)s is not a valid selection.",
                    "Nothing was done: %(values)s are not a valid selection.",
                    len(bad),
                )
                % {"values": values},
            )
        model_admin.message_user(
            request,
            ngettext(
                "Ignored %(values)s: not a valid selection.",
                "Ignored %(values)s: not a valid selection.",
                len(bad),
            )
            % {"values": values},
            messages.WARNING,
        )
        post = request.POST.copy()
        post.setlist(helpers.ACTION_CHECKBOX_NAME, kept)
        request.POST = post
        selected = kept
    if selected and not across and not queryset.filter(pk__in=selected).exists():
        return refuse(
            model_admin,
            request,
            _(
                "Nothing was done: none of the selected items exists any more "
                "(or they are outside the current filter)."
            ),
        )
    return None


def shown(value):
    """A posted value as a message may quote it: short, no control characters."""
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in value[:40])
    return text + ("…" if len(value) > 40 else "")


def refuse(model_admin, request, message):
    model_admin.message_user(request, message, messages.ERROR)
    return HttpResponseRedirect(request.get_full_path())
