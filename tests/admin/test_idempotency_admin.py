"""The idempotency key in the console: read-only on the change page, and
found by an exact search in the changelist through the key's index."""

import pytest
from django.db import connection
from django.urls import reverse

from notify_admin.admin.search import search_notifications
from notify_admin.creators import create_once
from notify_admin.models import Notification

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:notify_admin_notification_changelist")


@pytest.fixture
def keyed(make_user, make_record):
    user = make_user(username="keyholder")
    make_record(user, "email")
    row, _ = create_once(user, "Order shipped", "Body", key="order-1234-shipped")
    other, _ = create_once(user, "Other", "Body", key="order-12345-shipped")
    return row, other


def test_the_change_page_shows_the_key_read_only(admin_client, keyed):
    row, _other = keyed
    page = admin_client.get(
        reverse("admin:notify_admin_notification_change", args=[row.pk])
    )
    html = page.content.decode()
    assert "order-1234-shipped" in html
    assert "Idempotency key" in html
    assert 'name="idempotency_key"' not in html
    # A forged post of the field changes nothing.
    form = page.context["adminform"].form
    data = {
        name: form[name].value() if form[name].value() is not None else ""
        for name in form.fields
    }
    assert "idempotency_key" not in data


def test_a_key_in_the_search_box_finds_its_row_only(admin_client, keyed):
    row, other = keyed
    listed = admin_client.get(CHANGELIST, {"q": "order-1234-shipped"})
    assert [n.pk for n in listed.context["cl"].result_list] == [row.pk]
    # Exact, not a substring: a part of a key finds nothing by key.
    listed = admin_client.get(CHANGELIST, {"q": "order-1234"})
    assert list(listed.context["cl"].result_list) == []
    # The other searches still work alongside.
    listed = admin_client.get(CHANGELIST, {"q": "keyholder"})
    assert {n.pk for n in listed.context["cl"].result_list} == {row.pk, other.pk}
    # A NUL byte: a bad link (PostgreSQL refuses it), back to the list.
    assert admin_client.get(CHANGELIST, {"q": "x\x00y"}).status_code == 302


@pytest.mark.postgres
def test_the_search_by_key_can_use_the_unique_index(keyed):
    queryset = search_notifications(
        Notification.objects.order_by(), "order-1234-shipped"
    )
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "notify_admin_idempotency_key_uniq" in plan, plan
