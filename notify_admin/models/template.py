"""Message templates staff edit: a part per channel, a version per language.

``NotificationTemplate`` holds what staff name a template by (``key``, which
code and files use; ``name``; ``description``) and the example values its
preview is rendered with. Its content lives in
:class:`~.template_version.NotificationTemplateVersion` rows: the newest
version of each language is the one used; :meth:`save_content` adds a version
when the content changed, and :meth:`version_for` picks the one for a
language, falling back as :mod:`notify_admin.rendering.languages` says.
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from ..exceptions import TemplateNotFound
from ..rendering import languages
from ..rendering.content import CONTENT_FIELDS
from .category import NotificationCategory
from .template_version import FIELD_LABELS, NotificationTemplateVersion

KEY_VALIDATOR = RegexValidator(
    r"^[a-z0-9][a-z0-9_.-]*\Z",
    _(
        "Use lower-case letters, digits, “_”, “-” and “.”, starting with a "
        "letter or digit."
    ),
    code="invalid_key",
)


class NotificationTemplateQuerySet(models.QuerySet):
    def get_by_natural_key(self, key):
        return self.get(key=key)

    def by_key(self, key):
        """The template named ``key``; raises TemplateNotFound."""
        if isinstance(key, NotificationTemplate):
            return key
        try:
            return self.get(key=key)
        except (NotificationTemplate.DoesNotExist, ValueError, TypeError) as err:
            raise TemplateNotFound(
                _gettext("There is no message template with the key %(key)r.")
                % {"key": key}
            ) from err


class NotificationTemplate(models.Model):
    key = models.CharField(
        _("key"),
        max_length=100,
        unique=True,
        validators=[KEY_VALIDATOR],
        help_text=_(
            "What code and CSV files name this template by, e.g. order_shipped."
        ),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # What its notifications are about (preferences, quiet hours); blank:
    # the default category.
    category = models.ForeignKey(
        NotificationCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="templates",
        verbose_name=_("category"),
        help_text=_(
            "What its notifications are about: users choose per category and "
            "channel; critical ones always go, at once. Blank: the default "
            "category."
        ),
    )
    example_personalisation = models.JSONField(
        _("example personalisation"),
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text=_('Values the preview is rendered with, e.g. {"code": "AB12"}.'),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    objects = NotificationTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["name", "key"]
        permissions = [
            (
                "send_test_notificationtemplate",
                _("Can send test messages of templates"),
            ),
            ("import_notificationtemplate", _("Can import message templates")),
            ("export_notificationtemplate", _("Can export message templates")),
        ]

    def __str__(self):
        return self.name or self.key

    def natural_key(self):
        return (self.key,)

    def current_versions(self):
        """``{language: newest version}`` (one query)."""
        return {version.language: version for version in self.versions.current()}

    def version_for(self, language=None, current=None):
        """``(version, code asked for)`` for ``language`` with its fallbacks;
        raises TemplateNotFound when the template has none of them."""
        current = self.current_versions() if current is None else current
        asked = languages.normalise(language) or languages.default_language()
        chosen = languages.choose(set(current), asked)
        if chosen is None:
            raise TemplateNotFound(
                _gettext(
                    "Template %(key)r has no version in %(language)s or in the "
                    "default language %(default)s."
                )
                % {
                    "key": self.key,
                    "language": asked,
                    "default": languages.default_language(),
                }
            )
        return current[chosen], asked

    @transaction.atomic
    def save_content(self, content, language, *, user=None, message=""):
        """Add a version of ``language`` with ``content`` (a dict of content
        fields) unless it equals the newest one; returns the new version or
        None. Versions are numbered per template, under a lock on its row."""
        language = languages.normalise(language) or languages.default_language()
        type(self).objects.select_for_update().filter(pk=self.pk).first()
        previous = self.versions.filter(language=language).order_by("-number").first()
        values = {name: content.get(name, _blank(name)) for name in CONTENT_FIELDS}
        changed = changed_fields(previous.content() if previous else None, values)
        if previous is not None and not changed:
            return None
        number = (self.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        if not message:
            message = describe_change(previous, changed)
        version = NotificationTemplateVersion(
            template=self,
            number=number,
            language=language,
            created_at=timezone.now(),
            created_by=user if getattr(user, "pk", None) else None,
            changed_fields=changed,
            change_message=message[:300],
            **values,
        )
        version.save()
        type(self).objects.filter(pk=self.pk).update(modified=timezone.now())
        return version


def _blank(name):
    if name == "allow_long_sms":
        return False
    if name == "push_data":
        return {}
    return ""


def changed_fields(old, new):
    """The content fields whose values differ (all filled ones when no ``old``)."""
    if old is None:
        return [name for name in CONTENT_FIELDS if new.get(name)]
    return [name for name in CONTENT_FIELDS if old.get(name) != new.get(name)]


def describe_change(previous, changed):
    if previous is None:
        return _gettext("Created.")
    labels = ", ".join(str(FIELD_LABELS[name]) for name in changed)
    return _gettext("Changed %(fields)s.") % {"fields": labels}
