from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyAdminConfig(AppConfig):
    name = "notify_admin"
    label = "notify_admin"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registering checks here (not at import) keeps settings access lazy.
        from . import checks  # noqa: F401
