"""The health view (200 or 503, JSON) and the Prometheus metrics view.

Both answer a staff user who is logged in, or a request carrying the token of
NOTIFICATION_SYSTEM_HEALTH_TOKEN in ``Authorization: Bearer <token>``: no
token is 401, a wrong one 403 (and with no token set, only staff get in).
"""

import hmac

from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import conf
from .figures import collect


def refusal(request):
    """None when the request may see the figures, else the response."""
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        response = JsonResponse({"error": "authentication required"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="notify_admin"'
        return response
    expected = conf.health_token()
    if not expected or not hmac.compare_digest(given.strip(), expected):
        return JsonResponse({"error": "wrong token"}, status=403)
    return None


@never_cache
@require_GET
def health(request):
    refused = refusal(request)
    if refused is not None:
        return refused
    figures = collect()
    return JsonResponse(figures.as_dict(), status=200 if figures.healthy else 503)


@never_cache
@require_GET
def metrics(request):
    refused = refusal(request)
    if refused is not None:
        return refused
    try:
        from .prometheus import render
    except ImportError:
        return HttpResponse(
            "Metrics need prometheus_client: pip install 'notify_admin[metrics]'.",
            status=501,
            content_type="text/plain",
        )
    body, content_type = render(collect())
    return HttpResponse(body, content_type=content_type)
