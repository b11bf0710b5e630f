"""What every notify_admin admin action shares.

- ``guard_actions``: a POST naming an action the user may not run is a 403.
  Django itself drops such an action silently ("No action selected"), which
  hides tampered forms and scripts that lost a permission.
- ``needs_confirmation`` / ``render_action_page``: the intermediate page shown
  before a bulk send, before a bulk change of many rows, and for actions that
  ask for input (reschedule, compose). It posts back to the changelist with the
  same selection, so Django's own action machinery (and CSRF) run again.
- ``log_change`` / ``log_addition``: one admin-log entry per affected object.
"""

from django.contrib.admin import helpers
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.inspect import get_func_args
from django.utils.translation import gettext as _

# A bulk change of more rows than this is confirmed on an intermediate page.
CONFIRM_ABOVE = 10
# How many of the selected objects the intermediate page lists by name.
SAMPLE_SIZE = 20
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


def is_confirmed(request):
    return request.POST.get("confirm") == "yes"


def needs_confirmation(request, count):
    return not is_confirmed(request) and count > CONFIRM_ABOVE


def render_action_page(
    model_admin,
    request,
    queryset,
    *,
    title,
    question,
    submit_label,
    form=None,
    count=None,
    notes=(),
):
    """The intermediate page of an action: what is selected, optional form,
    a submit button that re-posts the same selection with ``confirm=yes``."""
    opts = model_admin.model._meta
    count = queryset.count() if count is None else count
    select_across = request.POST.get("select_across") == "1"
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "question": question,
        "submit_label": submit_label,
        "form": form,
        "notes": notes,
        "count": count,
        "sample": list(queryset[:SAMPLE_SIZE]),
        "more": max(count - SAMPLE_SIZE, 0),
        "opts": opts,
        "action_name": posted_action_name(request),
        "select_across": select_across,
        # Django wants the ticked rows even with select_across (it then acts
        # on the whole filtered list, whose filters are in the URL we post to).
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": model_admin.media + form.media if form else model_admin.media,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(
        request, "admin/notify_admin/action_confirmation.html", context
    )


def _log(request, objects, flag, message):
    objects = list(objects)
    if objects:
        LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=objects,
            action_flag=flag,
            change_message=message,
        )
    return len(objects)


def log_change(request, objects, message):
    return _log(request, objects, CHANGE, message)


def log_addition(request, objects, message):
    return _log(request, objects, ADDITION, message)
