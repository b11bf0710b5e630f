"""notify_admin's own routes, included by a host project (or the console):

path("notify-admin/", include("notify_admin.urls"))
"""

from django.urls import path

from .feedback import twilio

app_name = "notify_admin"

urlpatterns = [
    path(
        "webhooks/twilio/status/",
        twilio.status_callback,
        name="twilio-status-callback",
    ),
]
