"""The admin security walk: every notify_admin admin URL and action, as
anonymous, an active non-staff user, staff without permissions, view-only
staff and a superuser; CSRF on every POST; HTML in titles and bodies escaped
on every page."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notify_admin.models import (
    BlackoutPeriod,
    ConsentChange,
    DeliveryAttempt,
    DeliveryRun,
    InboundMessage,
    Notification,
    NotificationCategory,
    NotificationOptOut,
    NotificationPreference,
    NotificationTarget,
    RecipientSettings,
    TargetUserRecord,
)
from tests.support.reliability_tally import tally

pytestmark = pytest.mark.django_db

PAYLOAD = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
MODELS = [
    Notification,
    TargetUserRecord,
    NotificationOptOut,
    NotificationTarget,
    DeliveryRun,
    # Consent (issue 23).
    NotificationCategory,
    NotificationPreference,
    ConsentChange,
    BlackoutPeriod,
    RecipientSettings,
    InboundMessage,
]
ROLES = ["anonymous", "non_staff", "staff_no_perms", "staff_view_only", "superuser"]


@pytest.fixture
def hostile_world(make_user, make_record, targets):
    """One object of every model, with HTML wherever a person can type text."""
    victim = make_user(first_name=PAYLOAD, last_name=PAYLOAD)
    record = make_record(victim, "email", description=PAYLOAD)
    notification = Notification.objects.create(
        user_target=record,
        title=PAYLOAD,
        body=f"Body {PAYLOAD}",
        extra={"html": PAYLOAD},
    )
    failed = Notification.objects.create(
        user_target=record,
        title=f"Failed {PAYLOAD}",
        body=PAYLOAD,
        status=Notification.DELIVERY_FAILURE,
        attempted_delivery=timezone.now(),
    )
    DeliveryAttempt.objects.create(
        notification=failed,
        outcome=Notification.DELIVERY_FAILURE,
        address=record.target_user_id,
        error_code="x",
        error_message=PAYLOAD,
        response={"message": PAYLOAD},
    )
    opted = make_user()
    opt_out = NotificationOptOut.objects.create(user=opted, active=False)
    run = DeliveryRun.objects.create(source="command", error=PAYLOAD)
    category = NotificationCategory.objects.create(
        key="walk", name=PAYLOAD, description=PAYLOAD
    )
    consent = {
        NotificationCategory: category,
        NotificationPreference: NotificationPreference.objects.create(
            user=victim, category=category, target=targets["email"], enabled=False
        ),
        ConsentChange: ConsentChange.objects.create(
            user=victim, via=ConsentChange.ONE_CLICK, enabled=False, detail=PAYLOAD
        ),
        BlackoutPeriod: BlackoutPeriod.objects.create(
            name=PAYLOAD,
            start_date=timezone.localdate(),
            end_date=timezone.localdate(),
        ),
        RecipientSettings: RecipientSettings.objects.create(
            user=victim, time_zone="Europe/Paris"
        ),
        InboundMessage: InboundMessage.objects.create(
            from_number="+14155552671", body=PAYLOAD, payload={"Body": PAYLOAD}
        ),
    }
    return {
        **consent,
        Notification: notification,
        TargetUserRecord: record,
        NotificationOptOut: opt_out,
        NotificationTarget: targets["email"],
        DeliveryRun: run,
        "user": victim,
    }


def view_permissions():
    codenames = [f"view_{model._meta.model_name}" for model in MODELS]
    return Permission.objects.filter(
        content_type__app_label="notify_admin", codename__in=codenames
    ) | Permission.objects.filter(content_type__app_label="auth", codename="view_user")


@pytest.fixture
def clients(hostile_world):
    User = get_user_model()
    made = {"anonymous": Client()}
    people = {
        "non_staff": User.objects.create_user("walker", is_staff=False),
        "staff_no_perms": User.objects.create_user("clerk", is_staff=True),
        "staff_view_only": User.objects.create_user("viewer", is_staff=True),
        "superuser": User.objects.create_superuser("root", "root@example.com", "x"),
    }
    people["staff_view_only"].user_permissions.set(view_permissions())
    for role, person in people.items():
        client = Client()
        client.force_login(person)
        made[role] = client
    return made


def admin_url(model, view, obj=None):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
    return reverse(name, args=[obj.pk] if obj is not None else [])


def get_urls(hostile_world):
    """(kind, url) for every page a GET may open."""
    urls = [("index", reverse("admin:index"))]
    urls.append(("app_index", reverse("admin:app_list", args=["notify_admin"])))
    for model in MODELS:
        obj = hostile_world[model]
        urls += [
            ("list", admin_url(model, "changelist")),
            ("add", admin_url(model, "add")),
            ("change", admin_url(model, "change", obj)),
            ("delete", admin_url(model, "delete", obj)),
            ("history", admin_url(model, "history", obj)),
        ]
    urls += [
        ("export", admin_url(Notification, "export")),
        ("export", admin_url(TargetUserRecord, "export")),
        ("import", admin_url(TargetUserRecord, "import")),
        ("import", admin_url(TargetUserRecord, "import_template")),
        ("export", admin_url(NotificationPreference, "export")),
        ("import", admin_url(NotificationPreference, "import")),
        ("import", admin_url(NotificationPreference, "import_template")),
        ("list", reverse("admin:auth_user_changelist")),
        ("change", reverse("admin:auth_user_change", args=[hostile_world["user"].pk])),
    ]
    return urls


def action_posts(hostile_world):
    """(url, data) for every notify_admin admin action, on one object."""
    posts = []
    for model in (Notification, TargetUserRecord, NotificationOptOut):
        from django.contrib import admin

        from notify_admin.admin.guards import action_name

        model_admin = admin.site._registry[model]
        for declared in model_admin.actions:
            name = action_name(model_admin.get_action(declared))
            posts.append(
                (
                    admin_url(model, "changelist"),
                    {
                        "action": name,
                        "_selected_action": [str(hostile_world[model].pk)],
                        "index": "0",
                    },
                )
            )
    for name in ("notify_opt_out", "notify_reset_email_target", "notify_compose"):
        posts.append(
            (
                reverse("admin:auth_user_changelist"),
                {
                    "action": name,
                    "_selected_action": [str(hostile_world["user"].pk)],
                    "index": "0",
                },
            )
        )
    return posts


def change_posts(hostile_world):
    """(url, data) for the add, change and delete forms and the import."""
    posts = []
    for model in MODELS:
        obj = hostile_world[model]
        posts += [
            (admin_url(model, "add"), {}),
            (admin_url(model, "change", obj), {}),
            (admin_url(model, "delete", obj), {"post": "yes"}),
        ]
    posts += [
        (admin_url(TargetUserRecord, "import"), {}),
        (admin_url(TargetUserRecord, "process_import"), {}),
        (admin_url(NotificationPreference, "import"), {}),
        (admin_url(NotificationPreference, "process_import"), {}),
        (admin_url(Notification, "export"), {"format": "0"}),
    ]
    return posts


def snapshot():
    tables = [*MODELS, DeliveryAttempt, LogEntry, get_user_model()]
    return {
        model.__name__: sorted(map(repr, model.objects.values_list()))
        for model in tables
    }


def superuser_may(kind, url, world):
    """Some models are read-only in admin by design (delivery runs are written
    by the engine only, consent changes and inbound SMS by the recipients):
    not even a superuser gets their add (or delete) page."""
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get(url)
    request.user = get_user_model().objects.get(username="root")
    for model, model_admin in admin.site._registry.items():
        if model not in MODELS:
            continue
        if kind == "add" and url == admin_url(model, "add"):
            return model_admin.has_add_permission(request)
        if kind == "delete" and url == admin_url(model, "delete", world[model]):
            return model_admin.has_delete_permission(request, world[model])
    return True


def expected_get(role, kind, url="", world=None):
    if role in ("anonymous", "non_staff"):
        return 302
    if role == "superuser":
        if kind in ("add", "delete") and not superuser_may(kind, url, world):
            return 403
        return 200
    if kind == "index":
        return 200  # "You don't have permission to view or edit anything."
    if role == "staff_no_perms":
        # An app the user may see nothing of does not exist for them.
        return 404 if kind == "app_index" else 403
    # View-only staff: read, never change, import or export.
    return 200 if kind in ("app_index", "list", "change", "history") else 403


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_page_answers_each_role_as_expected(role, clients, hostile_world):
    client = clients[role]
    before = snapshot()
    for kind, url in get_urls(hostile_world):
        tally("admin requests checked")
        response = client.get(url)
        assert response.status_code == expected_get(role, kind, url, hostile_world), (
            role,
            url,
        )
        if response.status_code == 302:
            assert_login_redirect(response)
    assert snapshot() == before


@pytest.mark.parametrize(
    "role", ["anonymous", "non_staff", "staff_no_perms", "staff_view_only"]
)
def test_no_change_or_action_for_those_who_may_not(role, clients, hostile_world):
    client = clients[role]
    before = snapshot()
    for url, data in change_posts(hostile_world) + action_posts(hostile_world):
        tally("admin requests checked")
        response = client.post(url, data)
        if role in ("anonymous", "non_staff"):
            assert_login_redirect(response)
        else:
            assert response.status_code == 403, (role, url, data.get("action"))
    assert snapshot() == before


def test_superuser_may_run_every_action(clients, hostile_world):
    client = clients["superuser"]
    for url, data in action_posts(hostile_world):
        tally("admin requests checked")
        response = client.post(url, data)
        # An intermediate (confirmation or input) page, or done and back.
        assert response.status_code in (200, 302), (url, data["action"])


def test_csrf_is_enforced_on_every_post(clients, hostile_world):
    root = get_user_model().objects.get(username="root")
    client = Client(enforce_csrf_checks=True)
    client.force_login(root)
    before = snapshot()
    for url, data in change_posts(hostile_world) + action_posts(hostile_world):
        tally("admin requests checked")
        response = client.post(url, data)
        assert response.status_code == 403, (url, data.get("action"))
        assert b"CSRF" in response.content
    assert snapshot() == before


def test_html_in_titles_and_bodies_is_escaped_on_every_page(clients, hostile_world):
    client = clients["superuser"]
    pages = [
        url
        for kind, url in get_urls(hostile_world)
        if expected_get("superuser", kind, url, hostile_world) == 200
    ]
    pages += [
        admin_url(
            Notification,
            "change",
            Notification.objects.exclude(pk=hostile_world[Notification].pk).get(),
        ),
        reverse("admin:notify_admin_deliveryattempt_changelist")
        if _registered(DeliveryAttempt)
        else reverse("admin:index"),
    ]
    seen_escaped = 0
    for url in pages:
        tally("admin requests checked")
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert PAYLOAD not in content, url
        seen_escaped += ESCAPED in content
    # The payload is shown (escaped) where it is data, not dropped.
    assert seen_escaped >= 5
    # The pages actions show before they act (send now, compose) escape it too.
    for url, data in action_posts(hostile_world):
        response = client.post(url, data)
        if response.status_code == 200:
            assert PAYLOAD not in response.content.decode(), data["action"]


def _registered(model):
    from django.contrib import admin

    return model in admin.site._registry
