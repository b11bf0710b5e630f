"""Large admin "send now" selections: handed to a Celery task, and the page
that follows the run's progress from its DeliveryRun row.

Off unless NOTIFICATION_SYSTEM_BACKGROUND_SEND_THRESHOLD is set (and Celery
workers run): a selection of more rows than that is sent by the
``notify_admin.send_selected`` task instead of the request. The run is named
``background:<task id>``, which is how the page finds it; the page's address
is signed, so it cannot be pointed at another task.
"""

import logging
import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import conf
from .models import DeliveryRun

logger = logging.getLogger("notify_admin.background")
SALT = "notify_admin.background-send"
SEND_PERMISSION = "notify_admin.send_notification"
REFRESH_SECONDS = 2


@dataclass
class Handoff:
    """A selection handed to the workers: the page to go to, and the task
    (None when the broker refused it: nothing was handed over)."""

    response: object
    task_id: str | None = None


def send_in_background(request, queryset):
    """Hand the selection to a worker when it is over the threshold.

    Returns a :class:`Handoff`, or None when the request should send the
    selection itself.
    """
    threshold = conf.background_send_threshold()
    if threshold is None:
        return None
    ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
    if len(ids) <= threshold:
        return None
    try:
        from .tasks import send_selected

        progress_url = reverse("notify_admin:background-send", args=["-"])
    except (ImportError, NoReverseMatch) as err:
        logger.warning("Background send unavailable, sending in the request: %s", err)
        return None
    task_id = str(uuid.uuid4())
    try:
        send_selected.apply_async(
            args=(ids,), kwargs={"source": source_of(task_id)}, task_id=task_id
        )
    except Exception as err:  # the broker's own errors (kombu, redis)
        messages.error(
            request,
            _("Could not hand the selection to the background workers: %(error)s")
            % {"error": err},
        )
        return Handoff(HttpResponseRedirect(request.get_full_path()))
    signed = signing.dumps({"task": task_id, "total": len(ids)}, salt=SALT)
    messages.info(
        request,
        ngettext(
            "%(count)d notification handed to the background workers.",
            "%(count)d notifications handed to the background workers.",
            len(ids),
        )
        % {"count": len(ids)},
    )
    return Handoff(
        HttpResponseRedirect(progress_url.replace("/-/", f"/{signed}/")), task_id
    )


def source_of(task_id):
    return f"background:{task_id}"


@staff_member_required
def progress(request, signed):
    if not request.user.has_perm(SEND_PERMISSION):
        raise PermissionDenied
    try:
        token = signing.loads(signed, salt=SALT)
        task_id, total = str(token["task"]), int(token["total"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as err:
        raise Http404(_("No such background send.")) from err
    # One query: the run, and the retry run if rows were held the first time.
    runs = list(DeliveryRun.objects.filter(source=source_of(task_id)))
    counters = ("claimed", "delivered", "retried", "failed", "inactive", "opted_out")
    sums = {name: sum(getattr(run, name) for run in runs) for name in counters}
    finished = bool(runs) and all(run.finished_at for run in runs)
    context = {
        "title": _("Background send"),
        "task_id": task_id,
        "total": total,
        "runs": runs,
        "sums": sums,
        "waiting": not runs,
        "finished": finished,
        "errors": [run.error for run in runs if run.error],
        "refresh": None if finished else REFRESH_SECONDS,
    }
    from django.contrib import admin

    context.update(admin.site.each_context(request))
    return render(request, "admin/notify_admin/background_send.html", context)
