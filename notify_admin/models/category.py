from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import conf
from .target import NotificationTarget


@dataclass(frozen=True)
class CategoryRules:
    """The category table as the claim reads it: a handful of rows, loaded
    in two small queries, turned into literals of the claim's statement."""

    #: pk -> NotificationCategory.
    categories: dict = field(default_factory=dict)
    #: The default category's pk (None when it does not exist).
    default_id: int | None = None
    critical_ids: frozenset = frozenset()
    #: (category pk, target pk) pairs that are off by default.
    off_pairs: frozenset = frozenset()

    def category_of(self, category_id):
        """A row's category (its own, else the default one, else None)."""
        return self.categories.get(
            self.default_id if category_id is None else category_id
        )


class NotificationCategoryManager(models.Manager):
    def get_by_natural_key(self, key):
        return self.get(key=key)

    def rules(self):
        """A :class:`CategoryRules` snapshot of the table (one query)."""
        categories, off_pairs = {}, set()
        rows = self.get_queryset().values_list(
            "pk", "key", "name", "critical", "off_by_default"
        )
        for pk, key, name, critical, off_target in rows:
            if pk not in categories:
                categories[pk] = self.model(
                    pk=pk, key=key, name=name, critical=critical
                )
            if off_target is not None:
                off_pairs.add((pk, off_target))
        key = conf.default_category_key()
        return CategoryRules(
            categories=categories,
            default_id=next((pk for pk, c in categories.items() if c.key == key), None),
            critical_ids=frozenset(pk for pk, c in categories.items() if c.critical),
            off_pairs=frozenset(off_pairs),
        )


class NotificationCategory(models.Model):
    """What a notification is about (password reset, weekly digest, ...).

    Users turn categories on and off per channel (NotificationPreference);
    ``off_by_default`` lists the channels where a user gets nothing of this
    category until they turn it on. A ``critical`` category (security alerts,
    password resets) cannot be turned off and ignores quiet hours and
    blackout periods; only the seed's opt-out (the master switch) stops it.

    A notification without a category belongs to the default category
    (``NOTIFICATION_SYSTEM_DEFAULT_CATEGORY``, "general" unless set).
    """

    key = models.SlugField(
        _("key"),
        max_length=50,
        unique=True,
        help_text=_(
            "Stable identifier used in code, CSV files and unsubscribe links; "
            "cannot be changed once saved."
        ),
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("Shown to recipients on their preference page."),
    )
    critical = models.BooleanField(
        _("critical"),
        default=False,
        help_text=_(
            "Always sent (users cannot turn it off), at once (quiet hours and "
            "blackout periods do not hold it). Only a user's opt-out stops it."
        ),
    )
    off_by_default = models.ManyToManyField(
        NotificationTarget,
        blank=True,
        related_name="+",
        verbose_name=_("off by default on"),
        help_text=_(
            "Channels on which users get nothing of this category until they "
            "turn it on."
        ),
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    objects = NotificationCategoryManager()

    class Meta:
        ordering = ["-critical", "name"]
        verbose_name = _("notification category")
        verbose_name_plural = _("notification categories")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.key,)
