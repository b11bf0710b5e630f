"""``{% notify_admin_dashboard %}``: the figures on the notify_admin app index.

A tag (not a custom AdminSite) so the dashboard also appears in a host project
that keeps Django's default admin site.
"""

from django import template

register = template.Library()


@register.inclusion_tag("admin/notify_admin/dashboard.html", takes_context=True)
def notify_admin_dashboard(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("notify_admin.view_notification"):
        return {"dashboard": None}
    # Imported here, not at module level: Django loads every app's tag
    # libraries at start-up, and a project that runs notify_admin without
    # django.contrib.admin (a worker, an API) must not import the admin.
    from ..admin.dashboard import dashboard
    from ..admin.target_pause import held_back, pauses_for

    # Not cached with the figures: a pause or a back-off shows at once.
    pauses = pauses_for(request)
    held = held_back()
    return {
        "dashboard": dashboard(),
        "request": request,
        "paused": pauses,
        "paused_ids": {pause.target_id for pause in pauses},
        "held": held,
        "held_ids": {backoff.target_id for backoff in held},
    }


@register.inclusion_tag("admin/notify_admin/index_card.html", takes_context=True)
def notify_admin_index_card(context):
    """A card on the admin index leading to the dashboard (due now, delivered
    and failed in the last 24 hours), for those who may see them."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("notify_admin.view_notification"):
        return {"card": None}
    from ..admin.dashboard import dashboard

    return {"card": dashboard()}
