import importlib.util

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from .apps import discover

# The admin's modules are imported here, not at start-up (see .apps).
discover()

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("notify-admin/", include("notify_admin.urls")),
]

if importlib.util.find_spec("anymail"):
    # The email provider's webhooks (bounces, complaints) for notify_admin.
    urlpatterns.append(path("anymail/", include("anymail.urls")))
