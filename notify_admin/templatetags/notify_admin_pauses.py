"""``{% notify_admin_pause_banner %}``: the banner every admin page shows
while a target is paused (notify_admin's ``admin/base_site.html`` puts it
above the messages).

A tag, not a custom AdminSite or a context processor, so that it appears in
a host project that keeps Django's default admin site and its own context
processors. One query a request (kept on the request: the dashboard on the
same page reads the same list), and none for those who may see neither
notifications nor targets.
"""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()

SEE = ("notify_admin.view_notification", "notify_admin.view_notificationtarget")
VIEW_TARGET = "notify_admin.view_notificationtarget"


@register.inclusion_tag(
    "admin/notify_admin/includes/pause_banner.html", takes_context=True
)
def notify_admin_pause_banner(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_active
        or not user.is_staff
        or not any(user.has_perm(perm) for perm in SEE)
    ):
        return {"pauses": []}
    # Imported here: Django loads every app's tag libraries at start-up, and a
    # project without django.contrib.admin must not import the admin.
    from ..admin.target_pause import pause_text, pauses_for

    linked = user.has_perm(VIEW_TARGET)
    return {
        "pauses": [
            {
                "name": pause.target.name,
                "text": pause_text(pause),
                "url": _change_url(pause.target_id) if linked else "",
            }
            for pause in pauses_for(request)
        ]
    }


def _change_url(target_id):
    try:
        return reverse("admin:notify_admin_notificationtarget_change", args=[target_id])
    except NoReverseMatch:
        return ""
