"""The built-in channels' targets: one idempotent step, run by the 0007 data
migration and by every migrate, from the channels' own declarations."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

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


@pytest.mark.django_db(transaction=True)
def test_an_existing_database_gets_web_push_from_0007():
    """A database migrated up to 0006 (0002 pre-loaded three targets) gets
    the Web Push target from the 0007 data migration."""
    executor = MigrationExecutor(connection)
    executor.migrate([("notify_admin", "0006_admin_scale_indexes")])
    executor.loader.build_graph()
    old = executor.loader.project_state(
        ("notify_admin", "0006_admin_scale_indexes")
    ).apps.get_model("notify_admin", "NotificationTarget")
    old.objects.filter(notification_module_name="webpush").delete()
    assert set(old.objects.values_list("name", flat=True)) == {
        "Email",
        "Twilio",
        "Expo",
    }
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert NotificationTarget.objects.filter(
        name="Web Push", notification_module_name="webpush"
    ).exists()
    assert NotificationTarget.objects.count() == len(BUILT_IN)
