"""The targets of the built-in channels, by the one idempotent step.

0002 pre-loaded Email, Twilio and Expo from a list of its own (kept as it is
for the databases it ran on); from here the built-in channels' own
declarations say which targets exist (``Channel.target_name``), and
:func:`notify_admin.channels.targets.create_built_in_targets` creates those
missing: on an existing database, Web Push's. Every later ``migrate`` runs
the same step (``post_migrate``), so a built-in channel added later needs no
migration of its own.
"""

from django.db import migrations


def create_targets(apps, schema_editor):
    from notify_admin.channels.targets import create_built_in_targets

    create_built_in_targets(
        apps.get_model("notify_admin", "NotificationTarget"),
        schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [("notify_admin", "0007_target_user_id_length")]

    # Backwards: nothing to undo (0002's reverse removes its own targets).
    operations = [migrations.RunPython(create_targets, migrations.RunPython.noop)]
