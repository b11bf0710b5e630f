"""The console's admin app: Django's admin, its modules imported when needed.

Django's default ``AdminConfig`` imports every installed app's ``admin``
module when Django is set up (``autodiscover``): for the console that is the
whole admin of notify_admin, django-import-export (and through it
``django.contrib.postgres`` and psycopg), rangefilter and axes, about half of
the start-up of a process that never shows a page, such as the
``process_notifications`` run cron starts every minute. This config is
Django's ``SimpleAdminConfig`` (no autodiscovery at set-up, as Django
documents for projects that discover the admin themselves) plus
:func:`discover`, which the console's URLconf calls before it mounts the
admin, and which the admin's own system check calls first, so that
``manage.py check`` checks every ModelAdmin as before.
"""

from django.contrib.admin.apps import SimpleAdminConfig
from django.contrib.admin.checks import check_admin_app, check_dependencies
from django.core import checks

_discovered = False


def discover():
    """Import every app's admin module (once), then give the user admin
    notify_admin's actions and panels (see ``extend_user_admin``)."""
    global _discovered
    if _discovered:
        return
    from django.contrib import admin

    admin.autodiscover()
    from notify_admin.admin.users import extend_user_admin

    extend_user_admin()
    _discovered = True


def check_discovered_admin(app_configs=None, **kwargs):
    """Django's ModelAdmin checks, on the discovered admin."""
    discover()
    return check_admin_app(app_configs, **kwargs)


class ConsoleAdminConfig(SimpleAdminConfig):
    """``django.contrib.admin`` for the console (see the module's docstring)."""

    def ready(self):
        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(check_discovered_admin, checks.Tags.admin)
