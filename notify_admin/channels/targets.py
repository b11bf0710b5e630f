"""The targets of the built-in channels, created by one idempotent step.

Each built-in channel declares the name of its target (``target_name``);
:func:`create_built_in_targets` creates the target of every built-in channel
that has none yet (a target is the channel's when its
``notification_module_name`` names it, whatever staff renamed it to). A data
migration calls it (``0007_built_in_targets_data``), and so does every
``migrate`` (``post_migrate``), so a built-in channel added later gets its
target without a migration of its own.
"""

from django.db import DEFAULT_DB_ALIAS

from .registry import built_in


def create_built_in_targets(target_model, using=DEFAULT_DB_ALIAS):
    """Create the missing built-in targets; return the names created."""
    created = []
    targets = target_model._default_manager.using(using)
    for module_name, channel_type in built_in():
        if targets.filter(notification_module_name=module_name).exists():
            continue
        _target, new = targets.get_or_create(
            name=channel_type.target_name or module_name,
            defaults={"notification_module_name": module_name},
        )
        if new:
            created.append(_target.name)
    return created


def on_post_migrate(sender, app_config=None, using=DEFAULT_DB_ALIAS, apps=None, **kw):
    """``post_migrate`` receiver: the step, on the migrated state's model."""
    if apps is None:
        return
    try:
        target_model = apps.get_model("notify_admin", "NotificationTarget")
    except LookupError:
        # Migrated back to before the targets table.
        return
    create_built_in_targets(target_model, using)
