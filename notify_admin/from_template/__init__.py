"""Creating notifications from message templates (rendered when created).

``Notification.objects.create_from_template(template, user, personalisation,
targets=None, scheduled_delivery=None, language=None, retry_time_interval=0,
max_retries=3, quiet=False)`` (:func:`create`) and
``Notification.objects.bulk_create_from_template(template, recipients, ...)``
(:func:`bulk_create`) render the template version of each recipient's
language into the rows' ``title``, ``body`` and ``extra`` (email HTML in
``extra["html"]``, push data in ``extra["data"]``) and record that version
on the row: what is sent is what the row shows, and editing the template
later changes no existing row.
"""

from .bulk import BulkResult, bulk_create
from .single import create

__all__ = ["BulkResult", "bulk_create", "create"]
