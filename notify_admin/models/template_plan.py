"""What a creation from a template needs before it renders anything.

The template and its current versions, the channels it is asked for (each
one checked against the template's parts: a channel the template leaves out
is an error here, at creation, never at delivery), the targets those channels
are, and the version and renderer for each recipient's language. Which part
a channel sends is the channel's own declaration (``Channel.template_part``).
"""

from django.utils.translation import gettext as _

from ..exceptions import (
    TemplateChannelMissing,
    TemplateNotFound,
    UserHasNoTargetRecords,
)
from ..rendering import Renderer, content_of, languages, parts_of
from ..rendering.measure import Sizer, part_for_module
from ..rendering.render import PART_LABELS
from .target import NotificationTarget
from .template import NotificationTemplate


class Plan:
    """A template, its current versions and the targets a creation sends to."""

    def __init__(self, template, targets=None, language=None):
        self.template = NotificationTemplate.objects.by_key(template)
        self.current = self.template.current_versions()
        if not self.current:
            raise TemplateNotFound(
                _("Template %(key)r has no content yet.") % {"key": self.template.key}
            )
        self.language = language
        self.hook = None if language else languages.language_hook()
        self.sizer = Sizer()
        self.renderers = {}
        self.versions = {}
        #: ``{target_id: (part, channel module name)}``
        self.targets = self._targets(targets)

    # -- channels ---------------------------------------------------------

    def _targets(self, asked):
        every = {target.pk: target for target in NotificationTarget.objects.all()}
        parts = self.parts()
        if asked is None:
            found = {}
            for target in every.values():
                module = target.notification_module_name
                part = part_for_module(module)
                if part in parts:
                    found[target.pk] = (part, module)
            return found
        if isinstance(asked, NotificationTarget | str):
            asked = [asked]
        found = {}
        for item in asked:
            target = self._target(item, every)
            module = target.notification_module_name
            part = part_for_module(module)
            if part is None or part not in parts:
                raise TemplateChannelMissing(
                    _(
                        "Template %(key)r has no %(part)s part: it cannot be sent "
                        "on target %(target)s."
                    )
                    % {
                        "key": self.template.key,
                        "part": PART_LABELS.get(part, part or _("matching")),
                        "target": target.name,
                    },
                    template_key=self.template.key,
                    part=part or "",
                )
            found[target.pk] = (part, module)
        return found

    @staticmethod
    def _target(item, every):
        if isinstance(item, NotificationTarget):
            return item
        by_name = {target.name.lower(): target for target in every.values()}
        target = by_name.get(str(item).lower())
        if target is None:
            raise UserHasNoTargetRecords(
                _("There is no notification target named %(name)r.") % {"name": item}
            )
        return target

    def parts(self):
        """The parts any current version has (a channel may differ by
        language: only what each has is checked when rendering)."""
        found = set()
        for version in self.current.values():
            found.update(parts_of(content_of(version)))
        return found

    # -- versions -----------------------------------------------------------

    def version_for(self, user):
        """The version for ``user``'s language (looked up once per language)."""
        asked = self.language
        if not asked and self.hook is not None:
            asked = self.hook(user)
        version = self.versions.get(asked)
        if version is None:
            code = languages.requested_language(user, asked)
            version, _asked = self.template.version_for(code, self.current)
            self.versions[asked] = version
        return version

    def renderer(self, version):
        renderer = self.renderers.get(version.pk)
        if renderer is None:
            renderer = Renderer(version, label=self.template.name, sizer=self.sizer)
            self.renderers[version.pk] = renderer
        return renderer

    def messages(self, user, personalisation, records):
        """``(version, {target_id: Rendered})`` for one user's records: each
        part rendered once, measured by each target's own channel."""
        version = self.version_for(user)
        renderer = self.renderer(version)
        parts, messages = {}, {}
        for target_id in {target_id for _record, target_id in records}:
            part, module = self.targets[target_id]
            if part not in parts:
                parts[part] = renderer.render(
                    part, personalisation, user=user, modules=()
                )
            messages[target_id] = renderer.measured(parts[part], [module])
        return version, messages
