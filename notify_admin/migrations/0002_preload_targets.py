"""Pre-load the built-in targets: Email, Twilio (SMS) and Expo (push)."""

from django.db import migrations

BUILT_IN_TARGETS = [("Email", "email"), ("Twilio", "twilio"), ("Expo", "expo")]


def add_targets(apps, schema_editor):
    NotificationTarget = apps.get_model("notify_admin", "NotificationTarget")
    db = schema_editor.connection.alias
    for name, module_name in BUILT_IN_TARGETS:
        NotificationTarget.objects.using(db).get_or_create(
            name=name, defaults={"notification_module_name": module_name}
        )


def remove_targets(apps, schema_editor):
    NotificationTarget = apps.get_model("notify_admin", "NotificationTarget")
    db = schema_editor.connection.alias
    names = [name for name, _ in BUILT_IN_TARGETS]
    # Targets that still have user records are protected; keep those.
    NotificationTarget.objects.using(db).filter(
        name__in=names, user_records__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("notify_admin", "0001_initial")]

    operations = [migrations.RunPython(add_targets, remove_targets)]
