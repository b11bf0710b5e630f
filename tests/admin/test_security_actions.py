"""Hostile input to every notify_admin admin action: 0 server errors.

Forged ``_selected_action`` values (not a primary key, a key too large for the
column, SQL-looking text), selections naming rows that do not exist, and the
confirmation pages re-posted with them, on every changelist action (the
notify_admin models' and the ones added to the user admin). Runs on SQLite
and, with DATABASE_URL=postgres://..., on PostgreSQL (where an out-of-range
integer or a bad uuid would be a database error).
"""

import uuid

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.urls import reverse

from notify_admin.admin.guards import action_name
from notify_admin.models import (
    DeliveryAttempt,
    DeliveryRun,
    Notification,
    NotificationOptOut,
    NotificationTarget,
    TargetUserRecord,
)
from tests.support.reliability_tally import tally

pytestmark = pytest.mark.django_db

FORGED = [
    "abc",
    "-1",
    "1 OR 1=1",
    "1; DROP TABLE notify_admin_notification",
    "99999999999999999999999",
    "9223372036854775808",
    "",
    " ",
    "\x00",
    "../../etc/passwd",
    "1e3",
    "0x10",
]


@pytest.fixture
def one_of_each(make_user, make_record, make_notification, targets):
    user = make_user()
    record = make_record(user)
    return {
        NotificationTarget: targets["email"],
        DeliveryRun: DeliveryRun.objects.create(),
        Notification: make_notification(record),
        TargetUserRecord: record,
        NotificationOptOut: NotificationOptOut.objects.create(
            user=make_user(), active=False
        ),
        get_user_model(): user,
    }


def actions_of(model):
    model_admin = admin.site.get_model_admin(model)
    # Django's own delete_selected too (the site-wide action).
    return ["delete_selected"] + [
        action_name(model_admin.get_action(a)) for a in model_admin.actions
    ]


def changelist(model):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


def snapshot():
    tables = [
        Notification,
        TargetUserRecord,
        NotificationOptOut,
        DeliveryAttempt,
        DeliveryRun,
        NotificationTarget,
    ]
    return {m.__name__: sorted(map(repr, m.objects.values_list())) for m in tables}


def post(client, model, action, selected, **extra):
    response = client.post(
        changelist(model),
        {"action": action, "index": "0", "_selected_action": selected, **extra},
    )
    tally("hostile action requests")
    return response


MODELS = [
    Notification,
    TargetUserRecord,
    NotificationOptOut,
    NotificationTarget,
    DeliveryRun,
    "user",
]


@pytest.mark.parametrize("model", MODELS)
def test_forged_selections_get_a_message_in_every_action(
    admin_client, one_of_each, model
):
    model = get_user_model() if model == "user" else model
    before = snapshot()
    logged = LogEntry.objects.count()
    # -1 is a key an integer column could hold (it names no row, tested below).
    integer_key = model in (get_user_model(), DeliveryRun)
    forged = [v for v in FORGED if not (v == "-1" and integer_key)]
    for action in actions_of(model):
        for value in forged:
            for extra in ({}, {"confirm": "yes"}):
                response = post(
                    admin_client,
                    model,
                    action,
                    [str(one_of_each[model].pk), value],
                    **extra,
                )
                assert response.status_code == 302, (model, action, value)
                shown = [
                    str(m) for m in admin_client.get(response.url).context["messages"]
                ]
                assert any("is not a valid selection" in m for m in shown), shown
    assert snapshot() == before
    assert LogEntry.objects.count() == logged


@pytest.mark.parametrize("model", MODELS)
def test_selections_of_rows_that_do_not_exist(admin_client, one_of_each, model):
    model = get_user_model() if model == "user" else model
    integer_key = model in (get_user_model(), DeliveryRun)
    missing = "987654" if integer_key else str(uuid.uuid4())
    before = snapshot()
    for action in actions_of(model):
        response = post(admin_client, model, action, [missing], confirm="yes")
        assert response.status_code == 302, (model, action)
        shown = [str(m) for m in admin_client.get(response.url).context["messages"]]
        assert any("none of the selected items exists" in m for m in shown), shown
    assert snapshot() == before


def test_a_valid_selection_still_runs(admin_client, one_of_each):
    response = post(
        admin_client,
        Notification,
        "cancel",
        [str(one_of_each[Notification].pk)],
    )
    assert response.status_code == 302
    assert Notification.objects.get().status == "OPTED_OUT"


def test_bad_run_numbers_on_the_result_page_and_filter(admin_client, one_of_each):
    for value in ("abc", "-1", "1 OR 1=1", "99999999999999999999999"):
        listed = admin_client.get(changelist(Notification), {"run": value})
        tally("hostile action requests")
        assert listed.status_code in (200, 302), value
    page = admin_client.get("/admin/notify_admin/deliveryrun/999999/result/")
    assert page.status_code == 404
