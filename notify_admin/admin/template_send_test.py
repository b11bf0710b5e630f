"""'Send test to me': a template's message to the staff user's own active
addresses, sent at once, with the placeholder values asked for first.

Needs ``send_test_notificationtemplate`` (and view permission on the
template); nothing goes to anyone else. The test rows are ordinary
notifications (``max_retries=0``: a failed test is reported, not retried),
rendered and pinned to the version as every other, and the run's result is
shown as for the console's other sends.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..delivery import send_now
from ..exceptions import (
    NotificationsNotCreated,
    TemplateChannelMissing,
    TemplateNotFound,
    TemplateRenderError,
    UserHasNoTargetRecords,
    UserIsOptedOut,
)
from ..models import Notification, NotificationTarget, TargetUserRecord
from ..rendering import placeholders
from ..rendering.languages import language_hook, requested_language
from ..rendering.measure import part_for_module
from .actions import Report, finish
from .results import may_see_results, run_report

SOURCE = "admin-test"
FIELD_PREFIX = "value_"


class SendTestForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"))
    targets = forms.MultipleChoiceField(
        label=gettext_lazy("Send to my addresses on"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, data=None, *, template, current, records, user):
        super().__init__(data)
        self.template = template
        self.fields["language"].choices = [(c, c) for c in sorted(current)]
        asked = requested_language(user, None, _safe_hook())
        chosen = template.version_for(asked, current)[0].language
        self.fields["language"].initial = chosen
        choices = {}
        for record in records:
            label = choices.setdefault(record.target_id, [record.target.name, []])
            label[1].append(record.target_user_id)
        self.fields["targets"].choices = [
            (str(pk), f"{name} ({', '.join(addresses)})")
            for pk, (name, addresses) in choices.items()
        ]
        self.fields["targets"].initial = [str(pk) for pk in choices]
        names = []
        for version in current.values():
            for name in placeholders(version, built_in=False):
                if name not in names:
                    names.append(name)
        examples = template.example_personalisation
        examples = examples if isinstance(examples, dict) else {}
        self.names = {}
        for index, name in enumerate(names):
            field_name = f"{FIELD_PREFIX}{index}"
            self.names[field_name] = name
            self.fields[field_name] = forms.CharField(
                label=name,
                required=False,
                max_length=10_000,
                initial=_example(examples, name),
            )

    def personalisation(self):
        return {
            name: self.cleaned_data[field]
            for field, name in self.names.items()
            if self.cleaned_data.get(field) not in (None, "")
        }


def _safe_hook():
    try:
        return language_hook()
    except Exception:  # noqa: BLE001 (a broken hook is the system check's business)
        return None


def _example(examples, name):
    from ..rendering.grammar import make_key

    for key, value in examples.items():
        if make_key(key) == make_key(name):
            return "" if isinstance(value, dict | list) else str(value)
    return ""


def send_test_view(model_admin, request, object_id):
    obj = model_admin.get_object(request, object_id)
    if obj is None:
        raise Http404(_("No such message template."))
    if not (
        model_admin.has_view_or_change_permission(request, obj)
        and model_admin.has_send_test_permission(request, obj)
    ):
        raise PermissionDenied
    current = obj.current_versions()
    change_url = reverse(
        f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_change",
        args=[obj.pk],
        current_app=model_admin.admin_site.name,
    )
    if not current:
        messages.error(request, _("This template has no content yet."))
        return HttpResponseRedirect(change_url)
    records = [
        record
        for record in TargetUserRecord.objects.filter(
            user=request.user, active=True
        ).select_related("target")
        if part_for_module(record.target.notification_module_name) is not None
    ]
    data = request.POST if request.method == "POST" else None
    form = SendTestForm(
        data, template=obj, current=current, records=records, user=request.user
    )
    if data is not None and form.is_valid():
        response = _send(model_admin, request, obj, form)
        if response is not None:
            return response
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": obj,
        "title": _("Send a test of %(name)s to me") % {"name": obj},
        "form": form,
        "has_addresses": bool(records),
        "media": model_admin.media + form.media,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(
        request, "admin/notify_admin/notificationtemplate/send_test.html", context
    )


def _send(model_admin, request, obj, form):
    """Create and send the test; a response, or None with the form's errors."""
    # Only the user's own targets were offered (and validated as choices).
    targets = list(
        NotificationTarget.objects.filter(pk__in=form.cleaned_data["targets"])
    )
    try:
        created = Notification.objects.create_from_template(
            obj,
            request.user,
            form.personalisation(),
            targets=targets,
            language=form.cleaned_data["language"],
            max_retries=0,
        )
    except TemplateRenderError as err:
        for problem in err.problems:
            form.add_error(None, problem.message)
        return None
    except (
        TemplateChannelMissing,
        TemplateNotFound,
        UserIsOptedOut,
        UserHasNoTargetRecords,
        NotificationsNotCreated,
    ) as err:
        form.add_error(None, str(err))
        return None
    label = _("Test of template %(key)s") % {"key": obj.key}
    report = Report().added(
        created,
        _("Send test of template %(key)s, version %(number)d (admin).")
        % {"key": obj.key, "number": created[0].template_version.number},
    )
    result = send_now(
        Notification.objects.filter(pk__in=[n.pk for n in created]), source=SOURCE
    )
    report = run_report(request, result, label=label, report=report)
    if not may_see_results(model_admin, request):
        report.response = None
    response = finish(model_admin, request, report)
    if response is None:
        return HttpResponseRedirect(
            reverse(
                f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_change",
                args=[obj.pk],
                current_app=model_admin.admin_site.name,
            )
        )
    return response
