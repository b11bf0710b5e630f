from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NotifyAdminConfig(AppConfig):
    name = "notify_admin"
    label = "notify_admin"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registering checks here (not at import) keeps settings access lazy.
        from . import checks  # noqa: F401
        from .channels.targets import on_post_migrate
        from .consent import checks as consent_checks
        from .consent import snapshot as consent_snapshot
        from .feedback import checks as feedback_checks
        from .feedback import email as feedback_email
        from .jobs import checks as job_checks
        from .rendering import hook_check

        feedback_checks.register()
        consent_checks.register()
        job_checks.register()
        consent_snapshot.connect()
        hook_check.register()
        feedback_email.connect()
        # Every migrate creates the target of a built-in channel that has none.
        post_migrate.connect(
            on_post_migrate, sender=self, dispatch_uid="notify_admin.built_in_targets"
        )

        # After the admin autodiscovery, so the host project's own user admin
        # (registered by any installed app) is the one that gets the actions.
        # An admin that discovers its modules later (SimpleAdminConfig, such
        # as the console's) calls extend_user_admin() itself once it has.
        if apps.is_installed("django.contrib.admin") and discovers_at_setup():
            from .admin.users import extend_user_admin

            extend_user_admin()


def discovers_at_setup():
    """Whether the installed admin imports the apps' admin modules during
    ``django.setup()`` (Django's default AdminConfig does)."""
    from django.contrib.admin.apps import AdminConfig

    return any(
        isinstance(config, AdminConfig)
        for config in apps.get_app_configs()
        if config.name == "django.contrib.admin"
    )
