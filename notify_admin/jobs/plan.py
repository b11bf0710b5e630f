"""The template version a job was checked against, and the targets it sends on.

A job pins one version (its language chosen once, at check time): every row
is rendered from it, whatever the template becomes meanwhile. The rest is the
creation calls' own :class:`~notify_admin.models.template_plan.Plan` (the
template's channels, each target's part and channel module, renderers built
once), so a job's rows are rendered and measured exactly as
``create_from_template`` renders them.
"""

from ..models import NotificationTarget
from ..models.template_plan import Plan
from ..rendering import PARTS, content_of, parts_of


class JobPlan(Plan):
    """A :class:`Plan` whose every recipient gets ``version``."""

    def __init__(self, template, version):
        super().__init__(template)
        self.version = version
        parts = parts_of(content_of(version))
        #: ``{target_id: (part, channel module)}`` of the version's parts only.
        self.targets = {
            pk: (part, module)
            for pk, (part, module) in self.targets.items()
            if part in parts
        }
        self.every_target = {t.pk: t for t in NotificationTarget.objects.all()}
        self.by_name = {}
        for target in self.every_target.values():
            self.by_name.setdefault(target.name.casefold(), target)

    def version_for(self, user):
        return self.version

    def target_name(self, target_id):
        return self.every_target[target_id].name

    def find_target(self, name):
        """The target named ``name`` (any case), or None."""
        return self.by_name.get(name.strip().casefold())

    def in_order(self, addresses):
        """The distinct targets of ``addresses`` (``(record_id, target_id)``),
        by part (email, SMS, push), then name: problems and previews come in
        the same order every time."""
        if len(addresses) == 1:
            return [addresses[0][1]]
        found = dict.fromkeys(target_id for _record, target_id in addresses)
        return sorted(
            found,
            key=lambda pk: (PARTS.index(self.targets[pk][0]), self.target_name(pk)),
        )

    def part_of(self, target_id):
        return self.targets[target_id][0]

    def module_of(self, target_id):
        return self.targets[target_id][1]
