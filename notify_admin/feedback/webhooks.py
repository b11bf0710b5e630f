"""The console's public URL, and the absolute URLs providers call back.

Providers sign or post to the URL the console has on the internet, not the
one a proxy hands to Django; ``NOTIFICATION_SYSTEM_PUBLIC_URL`` says it.
"""

from django.urls import NoReverseMatch, reverse

from .. import conf


def public_url():
    """The console's public base URL, or None when it is not set."""
    value = conf.get_setting("PUBLIC_URL", None)
    return str(value).rstrip("/") if value else None


def absolute_url(url_name):
    """The public URL of the route ``url_name``, or None (not set up)."""
    base = public_url()
    if not base:
        return None
    try:
        return base + reverse(url_name)
    except NoReverseMatch:
        return None
