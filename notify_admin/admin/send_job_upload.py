"""The upload page of a send job ("Add send job"), and its errors page.

Staff choose a template (and a language, or each user's own), the file, and
"now" or a time. The file is checked at once (``jobs.check_file``): a file
with any problem creates nothing and the same page lists every problem by
line and column, in GOV.UK Notify's order (the first ``ERRORS_SHOWN``, with
the total), the cells quoted as text, above the form to upload the fixed
file (the template, language and time stay chosen). A clean file becomes a
job in state *checked* (``jobs.prepare_job``, logged) and the browser goes to
its preview, where it is sent.
"""

import datetime
import re

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .. import jobs
from ..exceptions import TemplateNotFound
from ..models import NotificationTemplate
from ..rendering.languages import normalise
from .send_job_access import job_url, log_job

#: How many of a file's problems the errors page lists (the total is given).
ERRORS_SHOWN = 100
TEMPLATE = "admin/notify_admin/sendjob/upload.html"
NOW, LATER = "now", "later"
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")


class UploadForm(forms.Form):
    template = forms.ModelChoiceField(
        label=gettext_lazy("Template"),
        queryset=NotificationTemplate.objects.order_by("name", "key"),
        help_text=gettext_lazy(
            "The file's columns other than user and target are this template's "
            "placeholders."
        ),
    )
    language = forms.CharField(
        label=gettext_lazy("Language"),
        required=False,
        max_length=15,
        help_text=gettext_lazy(
            "The template's version in this language (a code such as fr) goes "
            "to everyone in the file; empty: the site's default language."
        ),
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV or TSV (UTF-8, Excel's UTF-16 or Windows-1252). A user column "
            "(username or email), an optional target column, and a column per "
            "placeholder."
        ),
    )
    send = forms.ChoiceField(
        label=gettext_lazy("Send"),
        choices=[
            (NOW, gettext_lazy("Now, once confirmed")),
            (LATER, gettext_lazy("At a time")),
        ],
        initial=NOW,
        widget=forms.RadioSelect,
    )
    scheduled_for = forms.SplitDateTimeField(
        label=gettext_lazy("Send at"),
        required=False,
        widget=AdminSplitDateTime,
        help_text=gettext_lazy("Only with “At a time”."),
    )

    #: A time this far back still counts as "now" (the form was filled in).
    GRACE = datetime.timedelta(minutes=5)

    def clean_language(self):
        value = self.cleaned_data.get("language") or ""
        if not value:
            return None
        code = normalise(value)
        if not code or not LANGUAGE_CODE.fullmatch(code):
            raise forms.ValidationError(
                _("“%(value)s” is not a language code."), params={"value": value}
            )
        return code

    def clean(self):
        cleaned = super().clean()
        when = cleaned.get("scheduled_for")
        if cleaned.get("send") == LATER:
            if when is None and "scheduled_for" not in self.errors:
                self.add_error("scheduled_for", _("Choose when to send."))
            elif when is not None and when < timezone.now() - self.GRACE:
                local = timezone.localtime(when)
                self.add_error(
                    "scheduled_for",
                    _("%(when)s is in the past: choose a time from now on, or “Now”.")
                    % {"when": date_format(local, "DATETIME_FORMAT")},
                )
        else:
            cleaned["scheduled_for"] = None
        return cleaned


def upload_view(model_admin, request):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    posted = request.method == "POST"
    form = UploadForm(
        request.POST if posted else None, request.FILES if posted else None
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            check = jobs.check_file(
                data["file"], data["template"], language=data["language"]
            )
        except TemplateNotFound as err:
            form.add_error("template", str(err))
            return render_upload(model_admin, request, form)
        if not check.ok:
            return render_upload(model_admin, request, form, check=check)
        try:
            job = jobs.prepare_job(
                check,
                data["file"],
                template=data["template"],
                by=request.user,
                scheduled_for=data["scheduled_for"],
            )
        except jobs.JobError as err:
            form.add_error("file", str(err))
        else:
            log_job(request, job, upload_message(check), added=True)
            messages.success(
                request,
                ngettext(
                    "%(file)s has no errors: %(n)d row checked. Check the "
                    "preview, then send.",
                    "%(file)s has no errors: %(n)d rows checked. Check the "
                    "preview, then send.",
                    check.row_count,
                )
                % {"file": check.file_name, "n": check.row_count},
            )
            return HttpResponseRedirect(
                job_url("preview", job, model_admin.admin_site.name)
            )
    return render_upload(model_admin, request, form)


def upload_message(check):
    return _(
        "Uploaded %(file)s (%(size)s, SHA-256 %(sha)s): %(rows)d rows checked, "
        "%(skipped)d skipped (opted out)."
    ) % {
        "file": check.file_name,
        "size": filesizeformat(check.size),
        "sha": check.sha256,
        "rows": check.row_count,
        "skipped": check.skipped_count,
    }


def render_upload(model_admin, request, form, check=None):
    """The upload page; with ``check`` (a file with errors), its errors page."""
    admin_form = helpers.AdminForm(
        form,
        [(None, {"fields": list(form.fields)})],
        {},
        model_admin=model_admin,
    )
    errors = list(check.errors) if check is not None else []
    total = check.error_count if check is not None else 0
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Errors in %(file)s") % {"file": check.file_name}
        if check is not None
        else _("Send a template to the people in a file"),
        "adminform": admin_form,
        "form": form,
        "check": check,
        "errors": errors[:ERRORS_SHOWN],
        "error_total": total,
        "errors_hidden": max(total - min(len(errors), ERRORS_SHOWN), 0),
        "media": model_admin.media + admin_form.media,
        "add": True,
        "has_file_field": True,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, TEMPLATE, context, status=200)
