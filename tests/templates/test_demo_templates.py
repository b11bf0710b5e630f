"""The demo's message templates (fixtures/demo_templates.json, loaded by
``make demo``): valid content, every part renders from its examples, and
loading the fixture twice leaves the same rows."""

from django.core.management import call_command

from notify_admin.models import NotificationTemplate, NotificationTemplateVersion
from notify_admin.rendering import check_content, render_all
from tests.support.paths import REPO

FIXTURES = [REPO / "fixtures" / "demo.json", REPO / "fixtures" / "demo_templates.json"]


def test_the_demo_templates_load_twice_and_render(db):
    for _ in range(2):
        call_command("loaddata", *map(str, FIXTURES), verbosity=0)
    assert NotificationTemplate.objects.count() == 2
    assert NotificationTemplateVersion.objects.count() == 3
    for template in NotificationTemplate.objects.all():
        for version in template.current_versions().values():
            assert check_content(version) == []
            rendered, problems = render_all(
                version,
                template.example_personalisation,
                user=version.created_by,
            )
            assert problems == {}
            assert rendered
    shipped = NotificationTemplate.objects.get(key="order_shipped")
    assert set(shipped.current_versions()) == {"en", "fr"}
