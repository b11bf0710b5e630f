"""``{% notify_admin_dashboard %}``: the figures on the notify_admin app index.

A tag (not a custom AdminSite) so the dashboard also appears in a host project
that keeps Django's default admin site.
"""

from django import template

from ..admin.dashboard import dashboard

register = template.Library()


@register.inclusion_tag("admin/notify_admin/dashboard.html", takes_context=True)
def notify_admin_dashboard(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("notify_admin.view_notification"):
        return {"dashboard": None}
    return {"dashboard": dashboard(), "request": request}
