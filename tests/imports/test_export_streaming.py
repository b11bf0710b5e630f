"""Exports stream: many chunks, the same rows as the filtered list, a fixed
number of queries, an admin-log entry with the row count at the end."""

import csv
import io
import json

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notify_admin.admin import streaming_export
from notify_admin.admin.notification import NotificationAdmin
from notify_admin.imports.notifications import NotificationResource
from notify_admin.models import Notification, TargetUserRecord
from tests.support.csv_import import export_form_data, staff_user

pytestmark = pytest.mark.django_db
EXPORT = "admin:notify_admin_notification_export"


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(streaming_export, "CHUNK_SIZE", 7)
    monkeypatch.setattr(NotificationAdmin, "export_chunk_size", 7)


@pytest.fixture
def exporter(client, people):
    client.force_login(
        staff_user("view_notification", "export_notification", username="noter")
    )
    return client


@pytest.fixture
def alice_record(people, targets):
    return TargetUserRecord.objects.create(
        user=people["alice"], target=targets["email"], target_user_id="a@example.com"
    )


def make_rows(record, count, **fields):
    Notification.objects.bulk_create(
        Notification(user_target=record, title=f"T{i}", body="=1+1", **fields)
        for i in range(count)
    )


def chunks_of(response):
    assert response.status_code == 200
    assert response.streaming
    return list(response.streaming_content)


def test_csv_streams_in_chunks_with_every_row(exporter, alice_record, small_chunks):
    make_rows(alice_record, 50)
    chunks = chunks_of(
        exporter.post(reverse(EXPORT), export_form_data(NotificationResource))
    )
    assert len(chunks) == 50 // 7 + 1
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert rows[0][:3] == ["id", "user", "target"]
    assert sorted(row[4] for row in rows[1:]) == sorted(f"T{i}" for i in range(50))
    # Formula cells are escaped in every chunk, as in the library's CSV.
    assert {row[5] for row in rows[1:]} == {"'=1+1"}
    log = LogEntry.objects.get(object_repr__startswith="Export of ")
    assert log.object_repr == "Export of 50 notifications"


def test_json_streams_a_list_of_objects(exporter, alice_record, small_chunks):
    make_rows(alice_record, 20)
    data = export_form_data(NotificationResource, fmt="json")
    items = json.loads(b"".join(chunks_of(exporter.post(reverse(EXPORT), data))))
    assert len(items) == 20
    assert items[0]["body"] == "=1+1"  # JSON keeps values as data


def test_empty_export_is_valid(exporter, alice_record):
    data = export_form_data(NotificationResource, fmt="json")
    assert json.loads(b"".join(chunks_of(exporter.post(reverse(EXPORT), data)))) == []
    data = export_form_data(NotificationResource)
    body = b"".join(chunks_of(exporter.post(reverse(EXPORT), data))).decode()
    assert body.splitlines()[0].startswith("id,user,target")


def test_filtered_export_streams_only_the_filtered_rows(
    exporter, alice_record, small_chunks
):
    make_rows(alice_record, 30)
    make_rows(alice_record, 12, status=Notification.OPTED_OUT)
    url = reverse(EXPORT) + "?status__exact=OPTED_OUT"
    body = b"".join(
        chunks_of(exporter.post(url, export_form_data(NotificationResource)))
    )
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert len(rows) == 13 and {row[6] for row in rows[1:]} == {"OPTED_OUT"}


def test_query_count_does_not_grow_with_rows_or_chunks(
    exporter, alice_record, small_chunks
):
    data = export_form_data(NotificationResource)

    def queries_for(count):
        Notification.objects.all().delete()
        make_rows(alice_record, count)
        with CaptureQueriesContext(connection) as queries:
            chunks_of(exporter.post(reverse(EXPORT), data))
        return len(queries)

    # 1 chunk vs 15 chunks: one SELECT read chunk by chunk (a server-side
    # cursor on PostgreSQL), not one query per chunk or per row.
    assert queries_for(5) == queries_for(100)


def test_cells_are_rendered_as_the_library_renders_them(alice_record, people, targets):
    from notify_admin.admin.streaming_export import cell_renderers
    from notify_admin.imports.records import TargetUserRecordResource

    make_rows(alice_record, 3, retry_time_interval=12345, attempted_delivery=None)
    TargetUserRecord.objects.create(
        user=people["bob"], target=targets["twilio"], target_user_id="+14155552671"
    )
    for resource, model in [
        (NotificationResource(), Notification),
        (TargetUserRecordResource(), TargetUserRecord),
    ]:
        renderers = cell_renderers(resource, None)
        for obj in resource.filter_export(model.objects.all()):
            assert [r(obj) for r in renderers] == resource.export_resource(obj)
