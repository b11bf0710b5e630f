"""The URLs providers call back: the console's public URL and each channel's
webhooks.

A channel declares its webhook views by slug (``Channel.webhooks``); they are
all mounted at ``webhooks/<module_name>/<slug>/`` under notify_admin's URLs
(one route, :func:`notify_admin.feedback.webhooks.receive`, that finds the
view at request time, so an extra channel named in settings gets its
webhooks like a built-in one). Providers post to the URL the console has on
the internet, not the one a proxy hands to Django:
``NOTIFICATION_SYSTEM_PUBLIC_URL`` says it.
"""

from django.urls import NoReverseMatch, reverse

from .. import conf

#: The route every channel webhook is served by.
URL_NAME = "notify_admin:channel-webhook"


def public_url():
    """The console's public base URL, or None when it is not set."""
    value = conf.get_setting("PUBLIC_URL", None)
    return str(value).rstrip("/") if value else None


def absolute_url(url_name, **kwargs):
    """The public URL of the route ``url_name``, or None (not set up)."""
    base = public_url()
    if not base:
        return None
    try:
        return base + reverse(url_name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def webhook_path(module_name, slug):
    """The path of a channel's webhook, or None when notify_admin's URLs are
    not included."""
    try:
        return reverse(URL_NAME, kwargs={"module_name": module_name, "slug": slug})
    except NoReverseMatch:
        return None


def webhook_url(module_name, slug):
    """The public URL of a channel's webhook, or None (not set up)."""
    return absolute_url(URL_NAME, module_name=module_name, slug=slug)
