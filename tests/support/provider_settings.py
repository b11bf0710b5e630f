"""Change one provider's entry of NOTIFICATION_SYSTEM_TARGETS for one test."""


def merge_targets(settings, provider, values):
    """Update ``provider``'s settings with ``values`` through pytest-django's
    ``settings`` fixture (a fresh copy, so the change is undone after the test)."""
    targets = {k: dict(v) for k, v in settings.NOTIFICATION_SYSTEM_TARGETS.items()}
    targets.setdefault(provider, {}).update(values)
    settings.NOTIFICATION_SYSTEM_TARGETS = targets
