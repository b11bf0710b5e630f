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

    return {"dashboard": dashboard(), "request": request}
