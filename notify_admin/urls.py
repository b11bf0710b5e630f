"""notify_admin's own routes, included by a host project (or the console):

path("notify-admin/", include("notify_admin.urls"))
"""

from django.urls import path

from . import background
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
    path(
        "webhooks/twilio/status/",
        twilio.status_callback,
        name="twilio-status-callback",
    ),
]
