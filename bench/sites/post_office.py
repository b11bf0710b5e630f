"""django-post-office 3.x, the strongest Django email queue (email only)."""

from .base import *  # noqa: F403
from .base import BASE_APPS, EMAIL_BACKEND

INSTALLED_APPS = [*BASE_APPS, "post_office"]

POST_OFFICE = {"BACKENDS": {"default": EMAIL_BACKEND}}
