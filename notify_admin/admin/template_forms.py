"""The change form of a message template: its names, and the content of one
language's version, checked field by field before a version is saved.

``NotificationTemplateForm`` edits the template's own fields (key, name,
description, example personalisation) and, beside them, the content of the
version of one language (``language``); saving adds a version when that
content changed. Every problem of :func:`notify_admin.rendering.check_content`
becomes an error on its field (an unclosed ``((``, a placeholder in the HTML
but not in the text, an SMS over one segment without "allow long SMS", push
data that is not a JSON object or nests too deep, text too long), and the
example values are rendered too: an SMS or push message that the examples
make too long is an error as well.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..models import NotificationTemplate
from ..rendering import check_content, render_all
from ..rendering.content import CONTENT_FIELDS, MAX_LENGTHS, TEXT_FIELDS
from ..rendering.languages import normalise, version_language
from .forms import BoundedJSONField

#: Problems found with the example values that are the content's fault.
EXAMPLE_PROBLEM_CODES = {"long_sms", "push_too_big", "too_long"}
MAX_EXAMPLE_VALUES = 100


def language_choices(extra_codes=()):
    """``LANGUAGES`` as ``(code, "Name (code)")``, plus codes only a template has."""
    choices, seen = [], set()
    for code, name in settings.LANGUAGES:
        code = normalise(code)
        if code and code not in seen:
            seen.add(code)
            choices.append((code, f"{_(name)} ({code})"))
    for code in extra_codes:
        if code not in seen:
            seen.add(code)
            choices.append((code, code))
    return choices


def text_field(name, label, rows=None, help_text=""):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    widget.attrs.update({"class": "vLargeTextField" if rows else "vTextField"})
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        max_length=MAX_LENGTHS[name],
        widget=widget,
        help_text=help_text,
    )


class NotificationTemplateForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=_("Language of this version"),
        help_text=_(
            "Saving adds a version in this language. Other languages fall back "
            "to theirs, then to the site's language."
        ),
    )
    email_subject = text_field("email_subject", _("Email subject"))
    email_text = text_field(
        "email_text",
        _("Email text"),
        rows=8,
        help_text=_("The plain-text body (every email has one)."),
    )
    email_html = text_field(
        "email_html",
        _("Email HTML"),
        rows=8,
        help_text=_(
            "Optional. Values are HTML-escaped; use every placeholder of the "
            "HTML in the text too."
        ),
    )
    sms_text = text_field("sms_text", _("SMS text"), rows=3)
    allow_long_sms = forms.BooleanField(
        label=_("Allow long SMS"),
        required=False,
        help_text=_("An SMS of more than one segment is billed per segment."),
    )
    push_title = text_field("push_title", _("Push title"))
    push_body = text_field("push_body", _("Push body"), rows=3)
    push_data = BoundedJSONField(
        label=_("Push data (JSON)"),
        required=False,
        initial=dict,
        widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
        help_text=_(
            "A JSON object sent with the push message, e.g. "
            '{"url": "/orders/((order))"}; placeholders are filled in its strings.'
        ),
    )
    change_message = forms.CharField(
        label=_("What changed (optional)"),
        required=False,
        max_length=300,
        help_text=_("Kept with the version; by default the changed fields are listed."),
    )

    class Meta:
        model = NotificationTemplate
        fields = ["key", "name", "description", "category", "example_personalisation"]
        field_classes = {"example_personalisation": BoundedJSONField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "example_personalisation": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, language=None, version=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        existing = []
        if self.instance.pk:
            existing = sorted(
                self.instance.versions.values_list("language", flat=True).distinct()
            )
        self.fields["language"].choices = language_choices(existing)
        self.fields["language"].initial = language or version_language()
        if version is not None:
            for name in CONTENT_FIELDS:
                self.fields[name].initial = getattr(version, name)
        self.problems = []

    def clean_example_personalisation(self):
        value = self.cleaned_data.get("example_personalisation")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError(
                _(
                    "Example personalisation must be a JSON object, "
                    'e.g. {"code": "AB12"}.'
                ),
                code="not_an_object",
            )
        if len(value) > MAX_EXAMPLE_VALUES:
            raise forms.ValidationError(
                _("At most %(n)d example values."),
                code="too_many",
                params={"n": MAX_EXAMPLE_VALUES},
            )
        for key, item in value.items():
            if isinstance(item, dict) or (
                isinstance(item, list) and any(isinstance(i, dict | list) for i in item)
            ):
                raise forms.ValidationError(
                    _("The example value of “%(key)s” must be text or a number."),
                    code="bad_value",
                    params={"key": key[:100]},
                )
        return value

    def clean_push_data(self):
        value = self.cleaned_data.get("push_data")
        return {} if value in (None, "") else value

    def content(self):
        """The version content from the cleaned data (blank where invalid)."""
        data = self.cleaned_data
        content = {}
        for name in CONTENT_FIELDS:
            default = (
                False
                if name == "allow_long_sms"
                else ({} if name == "push_data" else "")
            )
            content[name] = data.get(name, default)
            if content[name] is None:
                content[name] = default
        return content

    def preview_content(self):
        """The content to preview: as cleaned, but a text field with an error
        (a malformed placeholder, say) shows as typed rather than blank."""
        content = self.content()
        for name in TEXT_FIELDS:
            if name in self.errors:
                raw = self.data.get(self.add_prefix(name), "")
                if isinstance(raw, str) and len(raw) <= MAX_LENGTHS[name]:
                    content[name] = raw
        return content

    def clean(self):
        cleaned = super().clean()
        content = self.content()
        self.problems = check_content(content)
        for problem in self.problems:
            if problem.field and problem.field in self.errors:
                continue  # the field's own error says it already
            self.add_error(problem.field or None, problem.message)
        if not self.problems and "example_personalisation" not in self.errors:
            self._check_examples(content, cleaned.get("example_personalisation") or {})
        return cleaned

    def _check_examples(self, content, examples):
        _rendered, problems = render_all(content, examples, user=self.user)
        for part_problems in problems.values():
            for problem in part_problems:
                if problem.code in EXAMPLE_PROBLEM_CODES and problem.field:
                    self.add_error(
                        problem.field,
                        _("With the example values: %(problem)s")
                        % {"problem": problem.message},
                    )
