"""A user's category x channel grid: what they get, and why.

The same grid is shown on the user's admin page (staff edit it) and on the
recipient's signed preference page. Four queries whatever the size: the
categories (with their off-by-default channels), the channels, the user's
preferences. Each cell's value comes from :func:`.rules.is_enabled`, the
rule the claim runs as SQL.
"""

from dataclasses import dataclass, field

from ..models import NotificationCategory, NotificationPreference, NotificationTarget
from .rules import is_enabled

# The posted names: "pref-<category pk>-<target pk>" for a ticked cell, and
# SHOWN listing every editable cell the form showed (a cell that was not on
# the page, e.g. a category added since, is left alone).
PREFIX = "pref"
SHOWN = "pref-shown"

USER_CHOICE = "user"
DEFAULT = "default"
CRITICAL = "critical"


@dataclass
class Cell:
    category: NotificationCategory
    target: NotificationTarget
    choice: bool | None
    off_by_default: bool

    @property
    def critical(self):
        return self.category.critical

    @property
    def enabled(self):
        return is_enabled(
            critical=self.critical,
            choice=self.choice,
            off_by_default=self.off_by_default,
        )

    @property
    def source(self):
        if self.critical:
            return CRITICAL
        return DEFAULT if self.choice is None else USER_CHOICE

    @property
    def name(self):
        return f"{PREFIX}-{self.category.pk}-{self.target.pk}"


@dataclass
class Grid:
    user: object
    targets: list
    rows: list = field(default_factory=list)  # [(category, [Cell, ...])]

    def cells(self):
        return [cell for _category, cells in self.rows for cell in cells]

    def editable(self):
        return [cell for cell in self.cells() if not cell.critical]

    def shown_names(self):
        return " ".join(cell.name for cell in self.editable())


def build_grid(user, targets=None):
    """The grid of ``user`` over ``targets`` (default: every target)."""
    if targets is None:
        targets = list(NotificationTarget.objects.order_by("name"))
    categories = list(
        NotificationCategory.objects.prefetch_related("off_by_default").order_by(
            "-critical", "name"
        )
    )
    choices = {
        (category_id, target_id): enabled
        for category_id, target_id, enabled in NotificationPreference.objects.filter(
            user=user
        ).values_list("category_id", "target_id", "enabled")
    }
    grid = Grid(user, list(targets))
    for category in categories:
        off = {target.pk for target in category.off_by_default.all()}
        grid.rows.append(
            (
                category,
                [
                    Cell(
                        category,
                        target,
                        choices.get((category.pk, target.pk)),
                        target.pk in off,
                    )
                    for target in grid.targets
                ],
            )
        )
    return grid


def wanted_from_post(grid, data):
    """``[(cell, bool)]`` for the editable cells the posted form showed."""
    shown = set(str(data.get(SHOWN, "")).split())
    return [(cell, cell.name in data) for cell in grid.editable() if cell.name in shown]
