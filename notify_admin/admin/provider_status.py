"""Which selected notifications would go to a provider that is not configured.

The send confirmation warns before such rows are sent. ``unconfigured_targets``
is the one place that asks the channels; it asks ``check_settings()`` of each
channel the selection uses (one query for the selection, no network).
"""

from django.db.models import Count
from django.utils.translation import ngettext

from ..channels.registry import get_channel
from ..exceptions import NotificationSystemError


def missing_settings(module_name):
    """The settings a channel still needs ([] when it is ready to send)."""
    try:
        return list(get_channel(module_name).check_settings())
    except (NotificationSystemError, LookupError, ImportError) as err:
        return [str(err)]


def unconfigured_targets(queryset, target_path="user_target__target"):
    """``[(target name, row count, [missing setting])]`` for the selected rows
    (notifications; records with ``target_path="target"``) whose target's
    provider is not configured."""
    name, module = f"{target_path}__name", f"{target_path}__notification_module_name"
    per_target = queryset.order_by().values(name, module).annotate(rows=Count("pk"))
    found = []
    for row in per_target:
        missing = missing_settings(row[module])
        if missing:
            found.append((row[name], row["rows"], missing))
    return sorted(found)


def not_configured_warnings(model_admin, request, notifications):
    """The send confirmation's warnings, one per target that is not ready."""
    return warnings_for(unconfigured_targets(notifications))


def record_warnings(model_admin, request, records):
    """The same warnings for a selection of target user records."""
    return warnings_for(unconfigured_targets(records, "target"))


def warnings_for(unconfigured):
    return [
        ngettext(
            "%(count)d notification goes to %(target)s, whose provider is not "
            "configured: it will not be sent (set %(missing)s).",
            "%(count)d notifications go to %(target)s, whose provider is not "
            "configured: they will not be sent (set %(missing)s).",
            count,
        )
        % {"count": count, "target": target, "missing": ", ".join(missing)}
        for target, count, missing in unconfigured
    ]
