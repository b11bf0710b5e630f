"""Which selected rows would go to a provider that is not configured.

The send confirmations warn before such rows are sent (the engine would leave
them unsent and count them as ``not_configured``). The engine decides what
"not configured" means (``delivery.not_configured_targets``); this module
only counts the selected rows per such target: two queries, no network.
"""

from django.db.models import Count
from django.utils.translation import ngettext

from ..delivery import not_configured_targets


def unconfigured_targets(queryset, target_path="user_target__target"):
    """``[(target name, row count, [missing setting])]`` for the selected rows
    (notifications; records with ``target_path="target"``) whose target's
    provider is not configured."""
    missing = {
        target.pk: (target, names) for target, names in not_configured_targets().items()
    }
    if not missing:
        return []
    per_target = (
        queryset.order_by()
        .filter(**{f"{target_path}__in": list(missing)})
        .values(target_path)
        .annotate(rows=Count("pk"))
    )
    found = []
    for row in per_target:
        target, names = missing[row[target_path]]
        found.append((target.name, row["rows"], list(names)))
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


def inactive_address_warnings(notifications):
    """Rows of the selection whose address (target user record) is inactive:
    a send does not call the provider for them and makes them INACTIVE_DEVICE."""
    count = (
        notifications.order_by()
        .filter(
            user_target__active=False,
            status__in=("SCHEDULED", "RETRY", "DELIVERY_FAILURE", "INACTIVE_DEVICE"),
        )
        .count()
    )
    if not count:
        return []
    return [
        ngettext(
            "%(count)d notification goes to an inactive address: it will not be "
            "sent, and becomes Inactive device (activate its target user record "
            "first to send it).",
            "%(count)d notifications go to an inactive address: they will not be "
            "sent, and become Inactive device (activate their target user "
            "records first to send them).",
            count,
        )
        % {"count": count}
    ]


def send_warnings(model_admin, request, notifications):
    """Send now's warnings: unconfigured providers, inactive addresses."""
    return [
        *not_configured_warnings(model_admin, request, notifications),
        *inactive_address_warnings(notifications),
    ]
