"""notify_admin's own URLs: include them in the host's urls.py, e.g.
``path("notify-admin/", include("notify_admin.urls"))``."""

from django.urls import path

from . import background
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
]
