"""The console's logging: Django's defaults, with the admin mail handler lazy.

Django configures its default logging (``DEFAULT_LOGGING``) in every process,
and building its ``mail_admins`` handler imports the exception reporter
(``django.views.debug``, and with it the URL resolver and the template
engine): a fifth of the start-up of a delivery run that never mails an error
report. The console's settings set ``LOGGING_CONFIG = None`` and call
:func:`configure` instead: the same configuration, whose handler imports the
reporter when it first mails a report.
"""

import copy
import logging
import logging.config
from functools import cached_property

from django.utils.log import DEFAULT_LOGGING, AdminEmailHandler
from django.utils.module_loading import import_string

HANDLER = f"{__name__}.MailAdminsHandler"


class MailAdminsHandler(AdminEmailHandler):
    """Django's ``AdminEmailHandler``, its reporter class imported at first use."""

    def __init__(self, include_html=False, email_backend=None, reporter_class=None):
        logging.Handler.__init__(self)
        self.include_html = include_html
        self.email_backend = email_backend
        self.reporter_class_path = reporter_class

    @cached_property
    def reporter_class(self):
        from django.conf import settings

        return import_string(
            self.reporter_class_path or settings.DEFAULT_EXCEPTION_REPORTER
        )


def configure(logging_settings=None):
    """What Django's ``configure_logging`` does, with the lazy handler."""
    defaults = copy.deepcopy(DEFAULT_LOGGING)
    defaults["handlers"]["mail_admins"]["class"] = HANDLER
    logging.config.dictConfig(defaults)
    if logging_settings:
        logging.config.dictConfig(logging_settings)
