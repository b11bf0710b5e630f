"""The category x channel grid on a user's admin page: shown with where each
value comes from, edited with the user's form, logged, fixed queries."""

import re

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notify_admin.models import NotificationPreference
from tests.support.consent import category

pytestmark = pytest.mark.django_db


def user_page(user):
    return reverse("admin:auth_user_change", args=[user.pk])


def user_form(user, **extra):
    return {
        "username": user.username,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00",
        **extra,
    }


@pytest.fixture
def setup(make_user, make_record, targets):
    ada = make_user(username="ada")
    make_record(ada)
    news = category("news")
    promo = category("promo", off_on=[targets["twilio"]])
    security = category("security", critical=True)
    NotificationPreference.objects.create(
        user=ada, category=news, target=targets["expo"], enabled=False
    )
    return ada, {"news": news, "promo": promo, "security": security}


def cell(html, cat, target):
    name = f"pref-{cat.pk}-{target.pk}"
    match = re.search(
        rf'<input type="checkbox" name="{name}"[^>]*>\s*<span[^>]*>(\w+)', html
    )
    assert match, name
    return ("checked" in match.group(0), "disabled" in match.group(0), match.group(1))


def test_the_grid_shows_values_and_where_they_come_from(admin_client, setup, targets):
    ada, cats = setup
    html = admin_client.get(user_page(ada)).content.decode()
    assert 'id="na-preference-grid"' in html
    assert cell(html, cats["news"], targets["email"]) == (True, False, "default")
    assert cell(html, cats["news"], targets["expo"]) == (False, False, "chosen")
    assert cell(html, cats["promo"], targets["twilio"]) == (False, False, "default")
    assert cell(html, cats["security"], targets["email"]) == (True, True, "always")
    # Staff see which categories are critical.
    row = re.search(r"<th scope=\"row\">Security.*?</th>", html, re.S).group(0)
    assert "na-critical" in row


def test_saving_the_user_saves_changed_cells_and_logs_them(
    admin_client, setup, targets, admin_user
):
    ada, cats = setup
    html = admin_client.get(user_page(ada)).content.decode()
    shown = re.search(r'name="pref-shown" value="([^"]*)"', html).group(1)
    ticked = {
        name: "on"
        for name in re.findall(r'name="(pref-[\w-]+)"[^>]*checked', html)
        if "disabled" not in name
    }
    # Untick news on email; tick promo on SMS; try to untick security (critical).
    ticked.pop(f"pref-{cats['news'].pk}-{targets['email'].pk}")
    ticked[f"pref-{cats['promo'].pk}-{targets['twilio'].pk}"] = "on"
    ticked.pop(f"pref-{cats['security'].pk}-{targets['email'].pk}", None)
    response = admin_client.post(
        user_page(ada), user_form(ada, **ticked, **{"pref-shown": shown}), follow=True
    )
    assert response.status_code == 200
    prefs = {
        (p.category.key, p.target.notification_module_name): p.enabled
        for p in NotificationPreference.objects.filter(user=ada).select_related(
            "category", "target"
        )
    }
    assert prefs == {
        ("news", "expo"): False,
        ("news", "email"): False,
        ("promo", "twilio"): True,
    }
    logs = LogEntry.objects.filter(
        content_type__model="notificationpreference", user=admin_user
    )
    assert {(e.action_flag, e.change_message) for e in logs} == {
        (ADDITION, "News on Email: off (on the user's page)."),
        (ADDITION, "Promo on Twilio: on (on the user's page)."),
    }
    assert "2 notification preferences changed" in response.content.decode()
    # Saving the same grid again changes nothing more.
    admin_client.post(user_page(ada), user_form(ada, **ticked, **{"pref-shown": shown}))
    assert logs.count() == 2
    # Ticking news on email again is a change of the existing row.
    ticked[f"pref-{cats['news'].pk}-{targets['email'].pk}"] = "on"
    admin_client.post(user_page(ada), user_form(ada, **ticked, **{"pref-shown": shown}))
    assert logs.filter(action_flag=CHANGE).get().change_message == (
        "News on Email: on (on the user's page)."
    )


def test_a_cell_not_on_the_page_is_left_alone(admin_client, setup, targets):
    """A category added after the page was opened is not turned off by a
    save that never showed it."""
    ada, cats = setup
    html = admin_client.get(user_page(ada)).content.decode()
    shown = re.search(r'name="pref-shown" value="([^"]*)"', html).group(1)
    category("late")
    admin_client.post(user_page(ada), user_form(ada, **{"pref-shown": shown}))
    keys = set(
        NotificationPreference.objects.filter(user=ada).values_list(
            "category__key", flat=True
        )
    )
    assert "late" not in keys and {"news", "promo"} <= keys


def test_a_save_without_the_grid_changes_no_preference(admin_client, setup):
    ada, _cats = setup
    response = admin_client.post(user_page(ada), user_form(ada))
    assert response.status_code == 302
    assert NotificationPreference.objects.count() == 1


def test_view_only_staff_see_the_grid_disabled_and_cannot_post_it(
    client, make_staff, setup, targets
):
    ada, cats = setup
    staff = make_staff(
        "auth.view_user",
        "auth.change_user",
        "notify_admin.view_targetuserrecord",
        "notify_admin.view_notificationpreference",
    )
    client.force_login(staff)
    html = client.get(user_page(ada)).content.decode()
    assert cell(html, cats["news"], targets["email"]) == (True, True, "default")
    assert 'name="pref-shown"' not in html
    name = f"pref-{cats['news'].pk}-{targets['email'].pk}"
    client.post(user_page(ada), user_form(ada, **{"pref-shown": name}))
    assert NotificationPreference.objects.count() == 1


def test_the_grid_needs_its_view_permission(client, make_staff, setup):
    ada, _cats = setup
    client.force_login(
        make_staff("auth.view_user", "notify_admin.view_targetuserrecord")
    )
    html = client.get(user_page(ada)).content.decode()
    assert "na-preference-grid" not in html


def test_the_grid_costs_fixed_queries(admin_client, setup, targets):
    ada, _cats = setup
    admin_client.get(user_page(ada))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(user_page(ada))
    for n in range(6):
        extra = category(f"extra{n}", off_on=[targets["email"], targets["expo"]])
        NotificationPreference.objects.create(
            user=ada, category=extra, target=targets["twilio"], enabled=False
        )
    with CaptureQueriesContext(connection) as many:
        admin_client.get(user_page(ada))
    assert len(few) == len(many)
