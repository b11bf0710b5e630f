"""The route every channel's webhooks are served by.

``webhooks/<module_name>/<slug>/`` finds the channel in the registry when the
request comes (so an extra channel named in settings has its webhooks like a
built-in one) and calls the view it declares for ``slug``
(``Channel.webhooks``). An unknown channel or slug is a 404, before anything
is read. The declared view authenticates the request itself (Twilio's
signature, an HMAC): this route is exempt from CSRF, as providers post
without a token.

The public-URL helpers live in :mod:`notify_admin.channels.webhooks` (and
are importable from here as before).
"""

import logging

from django.http import Http404
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt

from ..channels.registry import channel_type
from ..channels.webhooks import absolute_url, public_url, webhook_url
from ..exceptions import UnknownChannel

__all__ = ["absolute_url", "public_url", "receive", "view_of", "webhook_url"]

logger = logging.getLogger("notify_admin.feedback")


def view_of(module_name, slug):
    """The view channel ``module_name`` declares for ``slug``, or None."""
    try:
        declared = channel_type(module_name).webhooks.get(slug)
    except UnknownChannel:
        return None
    if isinstance(declared, str):
        declared = import_string(declared)
    return declared


@csrf_exempt
def receive(request, module_name, slug):
    view = view_of(module_name, slug)
    if view is None:
        raise Http404("No such webhook.")
    return view(request)
