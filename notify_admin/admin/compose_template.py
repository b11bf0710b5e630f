"""Compose "from template": the user admin's Compose form picks a message
template, asks for a value per placeholder, and creates the notifications
through ``Notification.objects.bulk_create_from_template``.

The form works without script: choosing a template and pressing the button
shows the template's placeholder fields, filled with its example values, and
says so; the second press creates. Built-in placeholders (``username``,
``first_name``, ``last_name``, ``email``) come from each user and get no
field. A target whose channel the template leaves out is an error on the
target field; a message that cannot be rendered for some user (an SMS too
long with their name) creates nothing and names them.
"""

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..exceptions import TemplateChannelMissing, TemplateNotFound, TemplateRenderError
from ..models import Notification, NotificationTemplate
from ..rendering import content_of, parts_of, placeholders
from ..rendering.grammar import make_key
from ..rendering.measure import part_for_module
from ..rendering.render import PART_LABELS

VALUE_PREFIX = "value_"
MARKER = "template_values_for"


class TemplateComposeMixin:
    """Mix into the Compose form before ``ComposeSendForm``."""

    def add_template_fields(self, data):
        self.fields["template"] = forms.ModelChoiceField(
            label=gettext_lazy("From template"),
            queryset=NotificationTemplate.objects.all(),
            required=False,
            empty_label=gettext_lazy("— none: type the title and body below —"),
            help_text=gettext_lazy(
                "The template's text for each user's language, with the values "
                "asked for below; the title, body and extra typed here are then "
                "not used."
            ),
        )
        self.fields["language"] = forms.CharField(
            label=gettext_lazy("Language"),
            required=False,
            max_length=15,
            help_text=gettext_lazy(
                "Empty: each user's own language (the language hook), else the "
                "site's. A code such as fr sends that version to everyone."
            ),
        )
        self.fields[MARKER] = forms.CharField(required=False, widget=forms.HiddenInput)
        self.order_fields(["template", "language", MARKER])
        self.template = self._chosen_template(data)
        self.value_names = {}
        # Not required in the browser (a template makes them unused); the
        # form requires them when no template is chosen.
        for name in ("title", "body"):
            self.fields[name].required = False
        if self.template is None:
            return
        current = self.template.current_versions()
        names = []
        for version in current.values():
            for name in placeholders(version, built_in=False):
                if make_key(name) not in {make_key(n) for n in names}:
                    names.append(name)
        examples = self.template.example_personalisation
        examples = examples if isinstance(examples, dict) else {}
        by_key = {make_key(k): v for k, v in examples.items()}
        for index, name in enumerate(names):
            field_name = f"{VALUE_PREFIX}{index}"
            self.value_names[field_name] = name
            example = by_key.get(make_key(name), "")
            self.fields[field_name] = forms.CharField(
                label=_("Value of ((%(name)s))") % {"name": name},
                max_length=10_000,
                initial="" if isinstance(example, dict | list) else str(example),
                widget=forms.TextInput(attrs={"class": "vLargeTextField"}),
            )
        # The values right under the template they belong to.
        self.order_fields(["template", *self.value_names, "language", MARKER])
        if data is not None and data.get(MARKER) != str(self.template.pk):
            # First press with this template: show its fields, filled with
            # the examples, before anything is created.
            data = data.copy()
            data[MARKER] = str(self.template.pk)
            for field_name, field in self.fields.items():
                if field_name.startswith(VALUE_PREFIX):
                    data[field_name] = field.initial
            self.data = data
            self.template_values_shown = True

    def _chosen_template(self, data):
        if data is None or not data.get("template"):
            return None
        try:
            return NotificationTemplate.objects.filter(pk=int(data["template"])).first()
        except (TypeError, ValueError, OverflowError):
            return None

    def personalisation(self):
        return {
            name: self.cleaned_data.get(field)
            for field, name in self.value_names.items()
        }

    def clean_template_fields(self, cleaned):
        if self.template is None:
            for name in ("title", "body"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(
                        name,
                        forms.ValidationError(
                            self.fields[name].error_messages["required"],
                            code="required",
                        ),
                    )
            return
        if getattr(self, "template_values_shown", False):
            self.add_error(
                None,
                _(
                    "Check the values of the template's placeholders below, then "
                    "press the button again to create the notifications."
                ),
            )
        target = cleaned.get("target")
        if target is not None:
            part = part_for_module(target.notification_module_name)
            parts = set()
            for version in self.template.current_versions().values():
                parts.update(parts_of(content_of(version)))
            if part not in parts:
                self.add_error(
                    "target",
                    _("The template %(name)s has no %(part)s part.")
                    % {
                        "name": self.template,
                        "part": PART_LABELS.get(part, part or _("matching")),
                    },
                )


def compose_from_template(users, data, personalisation):
    """Create the template's notifications for ``users``.

    Returns ``(created_notifications, {reason: [users]}, error or None)``.
    """
    users = list(users)
    try:
        result = Notification.objects.bulk_create_from_template(
            data["template"],
            users,
            personalisation=personalisation,
            targets=[data["target"]] if data.get("target") else None,
            scheduled_delivery=data.get("scheduled_delivery"),
            language=data.get("language") or None,
            retry_time_interval=data["retry_time_interval"],
            max_retries=data["max_retries"],
            collect_ids=True,
        )
    except (
        TemplateRenderError,
        TemplateChannelMissing,
        TemplateNotFound,
        ImproperlyConfigured,  # a broken language hook (system check E040)
    ) as err:
        return [], {}, err
    by_pk = {user.pk: user for user in users}
    skipped = {}
    for reason, key in (
        (_("opted out"), "opted_out"),
        (_("no active address"), "no_address"),
    ):
        if result.skipped[key]:
            skipped[reason] = [by_pk[pk] for pk in result.skipped[key]]
    created = list(
        Notification.objects.filter(pk__in=result.ids).select_related("user_target")
    )
    return created, skipped, None
