"""The default category: notifications created without one belong to it
(NOTIFICATION_SYSTEM_DEFAULT_CATEGORY, "general" unless set)."""

from django.db import migrations

GENERAL = {
    "key": "general",
    "name": "General",
    "description": "Notifications that name no category of their own.",
}


def add_general(apps, schema_editor):
    NotificationCategory = apps.get_model("notify_admin", "NotificationCategory")
    db = schema_editor.connection.alias
    NotificationCategory.objects.using(db).get_or_create(
        key=GENERAL["key"],
        defaults={k: v for k, v in GENERAL.items() if k != "key"},
    )


def remove_general(apps, schema_editor):
    NotificationCategory = apps.get_model("notify_admin", "NotificationCategory")
    db = schema_editor.connection.alias
    NotificationCategory.objects.using(db).filter(
        key=GENERAL["key"], notifications__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("notify_admin", "0011_consent")]

    operations = [migrations.RunPython(add_general, remove_general)]
