"""Generated fuzz of every changelist action of the console.

For each ModelAdmin registered for notify_admin's models (from
``admin.site._registry``) and for the actions notify_admin adds to the user
admin, every action the superuser is offered (Django's "delete selected"
and import-export's too) is posted:

- with each hostile value as the whole selection (not a primary key, too
  large for the column, NUL bytes, markup, SQL-looking text), asked and
  confirmed: refused with a message naming the values, nothing written;
- with a valid row and every hostile value together: the hostile values
  are dropped with a warning, no server error;
- with its confirmation page's form (Reschedule's date, Compose's target,
  category, template, text and retry fields, the hidden fields that re-post
  the action) walked field by field as in ``test_fuzz_forms.py``.

Plus what the hand-picked cases checked before: a selection of rows that do
not exist, a valid selection that still runs, bad run numbers on the result
page and filter. Run on SQLite and, with DATABASE_URL=postgres://..., on
PostgreSQL.
"""

import uuid

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.urls import reverse

from notify_admin.admin.guards import bad_primary_keys
from notify_admin.models import DeliveryRun, Notification
from tests.support.admin_walk import (
    SELECTIONS,
    Failure,
    action_post,
    admin_url,
    describe,
    messages_of,
    read_form,
    refused,
    superuser_actions,
    variants,
    walked_model_admins,
)
from tests.support.reliability_tally import tally

pytestmark = pytest.mark.django_db

MODELS = [model for model, _model_admin in walked_model_admins()] + [get_user_model()]
CONFIRMATION_FORM = "na-action-form"


def actions_for(model, user):
    return superuser_actions(admin.site.get_model_admin(model), user)


def shown(response):
    return " | ".join(str(m) for m in messages_of(response))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_forged_selections_are_refused_with_a_message(
    walk, walk_world, model, admin_user
):
    url = admin_url(model, "changelist")
    for action in actions_for(model, admin_user):
        for value in SELECTIONS:
            for extra in ({}, {"confirm": "yes", "post": "yes"}):
                where = f"{url} {action} selection={value[:30]!r} {extra}"
                response = walk.post(url, action_post(action, [value], **extra), where)
                if response.status_code >= 500:
                    continue  # recorded by the walk
                said = shown(response)
                # "-1" is a key an integer column could hold: it names no row.
                if not refused(response) or (
                    "not a valid selection" not in said
                    and "none of the selected items exists" not in said
                ):
                    walk.failures.append(
                        Failure(where, f"not refused: {describe(response)}")
                    )
    assert not walk.failures, walk.report()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_forged_values_beside_a_real_row_are_dropped_with_a_warning(
    walk, walk_world, model, admin_user
):
    url = admin_url(model, "changelist")
    selection = [str(walk_world[model].pk), *SELECTIONS]
    for action in actions_for(model, admin_user):
        for extra in ({}, {"confirm": "yes", "post": "yes"}):
            where = f"{url} {action} real row + forged {extra}"
            response = walk.post(url, action_post(action, selection, **extra), where)
            if response.status_code < 500 and "Ignored" not in shown(response):
                walk.failures.append(
                    Failure(where, f"no warning: {describe(response)}")
                )
            if response.status_code == 200 and response.context is not None:
                # A confirmation page re-posts none of the forged values.
                try:
                    again = response.context["selected"]
                except KeyError:
                    continue
                if str(walk_world[model].pk) not in again or bad_primary_keys(
                    model, again
                ):
                    walk.failures.append(Failure(where, f"re-posts {again!r}"))
    assert not walk.failures, walk.report()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_confirmation_form_refuses_hostile_values(
    walk, walk_world, model, admin_user
):
    url = admin_url(model, "changelist")
    walked_forms = 0
    for action in actions_for(model, admin_user):
        page = walk.post(url, action_post(action, [str(walk_world[model].pk)]))
        if page.status_code != 200:
            continue  # acted at once (a small selection) or redirected
        fields = read_form(page.content, CONFIRMATION_FORM)
        if not fields:
            continue  # Django's or import-export's own page
        walked_forms += 1
        names = [name for name in fields if name != helpers.ACTION_CHECKBOX_NAME]
        for label, data in variants(fields, names):
            walk.post(url, data, where=f"{url} {action} {label}")
    assert not walk.failures, walk.report()
    if model in (Notification, get_user_model()):
        assert walked_forms  # send now, reschedule, compose...


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_selections_of_rows_that_do_not_exist(walk, walk_world, model, admin_user):
    pk = model._meta.pk
    missing = str(uuid.uuid4()) if pk.get_internal_type() == "UUIDField" else "987654"
    url = admin_url(model, "changelist")
    for action in actions_for(model, admin_user):
        where = f"{url} {action} missing row"
        response = walk.post(url, action_post(action, [missing], confirm="yes"), where)
        if "none of the selected items exists" not in shown(response):
            walk.failures.append(Failure(where, describe(response)))
    assert not walk.failures, walk.report()


def test_a_valid_selection_still_runs(admin_client, walk_world):
    notification = walk_world[Notification]
    response = admin_client.post(
        admin_url(Notification, "changelist"),
        action_post("cancel", [str(notification.pk)]),
    )
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.status == Notification.OPTED_OUT


def test_the_action_runs_on_the_real_rows_only(admin_client, walk_world):
    notification = walk_world[Notification]
    response = admin_client.post(
        admin_url(Notification, "changelist"),
        action_post("cancel", [str(notification.pk), "abc", "1 OR 1=1"]),
    )
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.status == Notification.OPTED_OUT
    shown_messages = [
        str(m) for m in admin_client.get(response.url).context["messages"]
    ]
    assert any("Ignored “abc”, “1 OR 1=1”" in m for m in shown_messages), shown_messages
    assert any("1 notification cancelled" in m for m in shown_messages)


def test_bad_run_numbers_on_the_result_page_and_filter(admin_client, walk_world):
    admin_client.raise_request_exception = False
    for value in ("abc", "-1", "1 OR 1=1", "99999999999999999999999", "a\x00b"):
        listed = admin_client.get(admin_url(Notification, "changelist"), {"run": value})
        tally("hostile action requests")
        assert listed.status_code in (200, 302), value
    assert DeliveryRun.objects.filter(pk=987654).count() == 0
    page = admin_client.get("/admin/notify_admin/deliveryrun/987654/result/")
    assert page.status_code == 404


# The three cases issue 22 names, by hand, next to the generated walk.


def test_an_autocomplete_field_posted_with_a_bad_id_is_a_form_error(
    admin_client, walk_world
):
    url = admin_url(Notification, "add")
    for value in ("abc", "99999999999999999999999", "a\x00b", str(uuid.uuid4())):
        response = admin_client.post(
            url,
            {"user_target": value, "title": "t", "body": "b", "status": "SCHEDULED"},
        )
        assert response.status_code == 200, value
        errors = response.context["adminform"].form.errors
        # "Select a valid choice", or "“abc” is not a valid UUID."
        assert errors["user_target"], value
    assert Notification.objects.count() == 1  # the walk world's own


def test_compose_with_forged_user_ids_creates_for_the_real_users_only(
    admin_client, walk_world
):
    user = walk_world["user"]
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        action_post(
            "notify_compose",
            [str(user.pk), "abc", "99999999999999999999999", "1 OR 1=1"],
            confirm="yes",
            title="Hello",
            body="Composed",
            retry_time_interval="60",
            max_retries="2",
        ),
    )
    assert response.status_code == 302
    created = Notification.objects.filter(title="Hello")
    assert [n.user_target.user_id for n in created] == [user.pk]
    said = [str(m) for m in admin_client.get(response.url).context["messages"]]
    assert any(m.startswith("Ignored “abc”, “99999999999999999999999”") for m in said)
    assert any("1 notification scheduled for 1 user" in m for m in said), said


def test_compose_with_only_forged_user_ids_creates_nothing(admin_client, walk_world):
    before = Notification.objects.count()
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        action_post("notify_compose", ["abc"], confirm="yes", title="x", body="y"),
    )
    assert response.status_code == 302
    assert Notification.objects.count() == before
    said = [str(m) for m in admin_client.get(response.url).context["messages"]]
    assert said == ["Nothing was done: “abc” is not a valid selection."]
