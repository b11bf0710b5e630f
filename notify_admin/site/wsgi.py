import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "notify_admin.site.settings")

application = get_wsgi_application()
