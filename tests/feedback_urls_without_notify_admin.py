"""A host project's URLconf that does not include notify_admin.urls."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
