"""The first rows of a checked file, rendered exactly as they will be sent."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PreviewMessage:
    """One notification of a previewed row: its target, the template part,
    and the :class:`~notify_admin.rendering.Rendered` message (``title``,
    ``body``, ``extra``; ``sizes`` measured by the target's channel)."""

    target: str
    part: str
    rendered: object


@dataclass(frozen=True)
class PreviewRow:
    line: int
    user: object
    personalisation: dict
    messages: list = field(default_factory=list)


def preview_rows(plan, kept):
    """``kept``: ``(line, user, personalisation, addresses)`` of valid rows."""
    renderer = plan.renderer(plan.version)
    found = []
    for line, user, personalisation, addresses in kept:
        parts, messages = {}, []
        for target_id in plan.in_order(addresses):
            part, module = plan.targets[target_id]
            if part not in parts:
                parts[part] = renderer.render(
                    part, personalisation, user=user, modules=()
                )
            messages.append(
                PreviewMessage(
                    plan.target_name(target_id),
                    part,
                    renderer.measured(parts[part], [module]),
                )
            )
        found.append(PreviewRow(line, user, dict(personalisation), messages))
    return found
