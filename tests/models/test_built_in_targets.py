"""The built-in channels' targets: one idempotent step, run by the 0007 data
migration and by every migrate, from the channels' own declarations."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from notify_admin.channels.registry import BUILT_IN, built_in
from notify_admin.channels.targets import create_built_in_targets
from notify_admin.models import NotificationTarget


@pytest.mark.django_db
def test_every_built_in_channel_has_its_declared_target():
    found = dict(
        NotificationTarget.objects.values_list("notification_module_name", "name")
    )
    assert found == {name: cls.target_name for name, cls in built_in()}
    assert list(found) != [] and set(found) == set(BUILT_IN)


@pytest.mark.django_db
def test_the_step_is_idempotent_and_keeps_renamed_targets():
    assert create_built_in_targets(NotificationTarget) == []
    NotificationTarget.objects.filter(notification_module_name="webpush").update(
        name="Browser notifications"
    )
    NotificationTarget.objects.filter(notification_module_name="expo").delete()
    assert create_built_in_targets(NotificationTarget) == ["Expo"]
    assert create_built_in_targets(NotificationTarget) == []
    assert NotificationTarget.objects.filter(
        notification_module_name="webpush"
    ).get().name == ("Browser notifications")
    assert NotificationTarget.objects.count() == len(BUILT_IN)


def migration_function(name, function):
    """A data migration's function, and the models as that migration sees
    them (the migration state's apps; the database is not migrated)."""
    loader = MigrationLoader(connection)
    module = importlib.import_module(f"notify_admin.migrations.{name}")
    state = loader.project_state(("notify_admin", name))
    return getattr(module, function), state.apps


@pytest.mark.django_db
def test_the_data_migrations_create_the_targets_an_older_database_lacks():
    """0002 (kept as it was) loads its three targets into an empty table, and
    0007's step adds Web Push to a database that has only those."""
    editor = SimpleNamespace(connection=connection)
    NotificationTarget.objects.all().delete()
    add_0002, apps_0002 = migration_function("0002_preload_targets", "add_targets")
    add_0002(apps_0002, editor)
    assert set(NotificationTarget.objects.values_list("name", flat=True)) == {
        "Email",
        "Twilio",
        "Expo",
    }
    add_0007, apps_0007 = migration_function(
        "0007_built_in_targets_data", "create_targets"
    )
    add_0007(apps_0007, editor)
    assert NotificationTarget.objects.filter(
        name="Web Push", notification_module_name="webpush"
    ).exists()
    add_0007(apps_0007, editor)
    assert NotificationTarget.objects.count() == len(BUILT_IN)
