"""notify_admin's own routes, included by a host project (or the console):

path("notify-admin/", include("notify_admin.urls"))

Channel webhooks are one route: ``webhooks/<module_name>/<slug>/`` serves
the view each registered channel declares (``Channel.webhooks``), Twilio's
status callback at ``webhooks/twilio/status/`` among them.
"""

from django.urls import path

from . import background
from .consent import views as consent
from .feedback import webhooks
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
        "webhooks/<slug:module_name>/<slug:slug>/",
        webhooks.receive,
        name="channel-webhook",
    ),
]
