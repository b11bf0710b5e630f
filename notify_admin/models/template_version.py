"""One immutable version of a message template in one language.

Every saved change to a template's content adds a version (who, when, what
changed); a version is never updated afterwards, and a notification points at
the version it was rendered from. The content fields are those
:mod:`notify_admin.rendering` reads.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..rendering.content import CONTENT_FIELDS, MAX_LENGTHS

#: Content fields by their labels, in the order staff see them.
FIELD_LABELS = {
    "email_subject": _("email subject"),
    "email_text": _("email text"),
    "email_html": _("email HTML"),
    "sms_text": _("SMS text"),
    "allow_long_sms": _("allow long SMS"),
    "push_title": _("push title"),
    "push_body": _("push body"),
    "push_data": _("push data"),
}


class ImmutableVersion(ValidationError):
    pass


class NotificationTemplateVersionQuerySet(models.QuerySet):
    def current(self):
        """The newest version of each template and language (one query, read
        from the (template, language, -number) index)."""
        newest = (
            type(self)(self.model, using=self._db)
            .filter(template=OuterRef("template"), language=OuterRef("language"))
            .order_by("-number")
            .values("number")[:1]
        )
        return self.filter(number=Subquery(newest))


class NotificationTemplateVersion(models.Model):
    template = models.ForeignKey(
        "notify_admin.NotificationTemplate",
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("template"),
    )
    number = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=15)
    email_subject = models.CharField(
        _("email subject"), max_length=MAX_LENGTHS["email_subject"], blank=True
    )
    email_text = models.TextField(_("email text"), blank=True)
    email_html = models.TextField(_("email HTML"), blank=True)
    sms_text = models.TextField(_("SMS text"), blank=True)
    allow_long_sms = models.BooleanField(_("allow long SMS"), default=False)
    push_title = models.CharField(
        _("push title"), max_length=MAX_LENGTHS["push_title"], blank=True
    )
    push_body = models.TextField(_("push body"), blank=True)
    push_data = models.JSONField(
        _("push data"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    #: The content fields that differ from the language's previous version.
    changed_fields = models.JSONField(_("changed fields"), default=list, blank=True)
    change_message = models.CharField(_("change"), max_length=300, blank=True)

    objects = NotificationTemplateVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="notify_admin_template_version_uniq"
            )
        ]
        indexes = [
            models.Index(
                fields=["template", "language", "-number"],
                name="notify_admin_tpl_lang_idx",
            )
        ]

    def __str__(self):
        return f"{self.template.key} v{self.number} ({self.language})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableVersion(
                _("A template version cannot be changed: save a new version.")
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableVersion(_("A template version cannot be deleted."))

    def content(self):
        """The content fields as a dict (for rendering, comparing, copying)."""
        return {name: getattr(self, name) for name in CONTENT_FIELDS}

    @property
    def label(self):
        return f"v{self.number} · {self.language}"
