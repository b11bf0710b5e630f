"""Bad input through the admin's notification form (generated and by hand):
never a server error, never a partial write, and a form error that names the
field."""

import json

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from notify_admin.models import Notification
from tests.support.hostile import EXAMPLES, NASTY, isolated
from tests.support.reliability_tally import tally

pytestmark = pytest.mark.django_db

ADD_URL = "admin:notify_admin_notification_add"
EXTRA_TEXT = st.one_of(
    NASTY,
    st.sampled_from(["[1, 2]", '"text"', "5", "null", "{", '{"a": "\\u0000"}', "{}"]),
    st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=3).map(
        json.dumps
    ),
)
DATE_TEXT = st.one_of(
    st.sampled_from(["2026-01-01", "0001-01-01", "9999-12-31", "31/02/2026", ""]),
    st.text(max_size=12),
)


@pytest.fixture
def root_client(client, admin_user):
    client.force_login(admin_user)
    return client


def form_data(record, title, body, extra, date):
    return {
        "user_target": str(record.pk),
        "title": title,
        "body": body,
        "extra": extra,
        "status": "SCHEDULED",
        "scheduled_delivery_0": date,
        "scheduled_delivery_1": "12:00:00",
        "retry_time_interval": "0",
        "retry_attempts": "0",
        "max_retries": "3",
        "attempts-TOTAL_FORMS": "0",
        "attempts-INITIAL_FORMS": "0",
        "provider_events-TOTAL_FORMS": "0",
        "provider_events-INITIAL_FORMS": "0",
    }


FIELDS = {"title", "body", "extra", "scheduled_delivery", "__all__", "user_target"}


@EXAMPLES
@given(title=NASTY, body=NASTY, extra=EXTRA_TEXT, date=DATE_TEXT)
@example(title="x" * 201, body="b", extra="{}", date="2026-01-01")
@example(title="t", body="🎉" * 100_000, extra="{}", date="2026-01-01")
@example(title="t", body="b", extra="[1, 2]", date="2026-01-01")
@example(title="t\x00", body="b", extra="{}", date="2026-01-01")
@example(title="t", body="b", extra="{}", date="9999-12-31")
def test_admin_notification_form_with_any_input(
    root_client, record, title, body, extra, date
):
    tally("inputs tried")

    def check():
        before = Notification.objects.count()
        response = root_client.post(
            reverse(ADD_URL), form_data(record, title, body, extra, date)
        )
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            created = Notification.objects.get()
            # Form fields strip surrounding whitespace, as Django's always do.
            assert (created.title, created.body) == (title.strip(), body.strip())
            assert isinstance(created.extra, dict)
            return
        errors = response.context["adminform"].form.errors
        assert errors and set(errors) <= FIELDS, errors
        assert Notification.objects.count() == before

    isolated(check)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"extra": "[1, 2]"}, "extra"),
        ({"extra": '"just text"'}, "extra"),
        ({"title": "x" * 201}, "title"),
        ({"title": "nul\x00"}, "title"),
        ({"scheduled_delivery_0": "31/02/2026"}, "scheduled_delivery"),
    ],
)
def test_admin_form_errors_name_the_field(root_client, record, changes, field):
    tally("inputs tried")
    data = {**form_data(record, "t", "b", "{}", "2026-01-01"), **changes}
    response = root_client.post(reverse(ADD_URL), data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert Notification.objects.count() == 0
