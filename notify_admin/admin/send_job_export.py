"""The export of a send job's rows: each notification with its outcome and the
provider's reason, as CSV, streamed (rows leave while the database is read,
memory flat whatever the job's size), cells a spreadsheet would run as a
formula escaped as the console's other exports escape them. Needs the job's
view permission and ``export_notification``; logged on the job with the row
count once the last row is sent."""

from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import jobs
from ..jobs.export import EXPORT_COLUMNS
from .send_job_access import get_job, log_job
from .streaming_export import delimited_chunks


def export_view(model_admin, request, object_id):
    job = get_job(model_admin, request, object_id)
    if not model_admin.has_export_permission(request, job):
        raise PermissionDenied
    headers, rows = EXPORT_COLUMNS, jobs.export_rows(job)

    def counted():
        count = 0
        for row in rows:
            count += 1
            yield row
        log_job(
            request,
            job,
            ngettext(
                "Exported %(n)d row of the job.",
                "Exported %(n)d rows of the job.",
                count,
            )
            % {"n": count},
        )

    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in delimited_chunks(headers, counted(), ",")),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    name = _("send-job-%(job)s-%(stamp)s.csv") % {"job": job.pk, "stamp": stamp}
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
