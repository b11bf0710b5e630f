"""notify_admin's own routes, included by a host project (or the console):

path("notify-admin/", include("notify_admin.urls"))
"""

from django.urls import path

from . import background
from .consent import sms
from .consent import views as consent
from .feedback import twilio
from .monitoring import views as monitoring

app_name = "notify_admin"

urlpatterns = [
    path("health/", monitoring.health, name="health"),
    path("metrics/", monitoring.metrics, name="metrics"),
    path(
        "background-send/<str:signed>/",
        background.progress,
        name="background-send",
    ),
    # Recipients' signed links (no login): one-click unsubscribe, preferences.
    path("unsubscribe/<str:token>/", consent.unsubscribe_view, name="unsubscribe"),
    path("preferences/<str:token>/", consent.preferences_view, name="preferences"),
    path(
        "webhooks/twilio/status/",
        twilio.status_callback,
        name="twilio-status-callback",
    ),
    # Inbound SMS (STOP / START / HELP). Until channels declare their
    # webhooks (issue 20), mounted here at the path that declaration gives.
    path(
        "webhooks/twilio/inbound/",
        sms.inbound_message,
        name="twilio-inbound-message",
    ),
]
