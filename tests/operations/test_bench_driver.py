"""The benchmark driver counts each SQL statement once (bench/sqlcount.py).

A known workload: three statements on the connection that starts counting and
two on a worker thread's own connection. Django's own query capture on the
first connection is the independent tally.
"""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from bench.sqlcount import count_statements


def three_statements(name="counted"):
    User = get_user_model()
    User.objects.create(username=name)
    User.objects.filter(username=name).exists()
    User.objects.filter(username=name).update(first_name="Counted")


def two_statements_on_another_thread():
    def work():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.execute("SELECT 2")
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


def run_known_workload(result):
    """Count from a thread whose connection is not open yet, the driver's case:
    ensure_connection() fires connection_created inside count_statements()."""
    try:
        assert connection.connection is None
        with count_statements() as counter:
            with CaptureQueriesContext(connection) as captured:
                three_statements()
            two_statements_on_another_thread()
        result["counted"] = counter.statements
        result["captured"] = len(captured.captured_queries)
        result["wrappers_left"] = len(connection.execute_wrappers)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_connection_counts_each_statement_once():
    result = {}
    thread = threading.Thread(target=run_known_workload, args=(result,))
    thread.start()
    thread.join()

    # create() is one INSERT, exists() one SELECT, update() one UPDATE.
    assert result["captured"] == 3
    assert result["counted"] == 3 + 2
    assert result["wrappers_left"] == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_open_connection_counts_each_statement_once():
    connections["default"].ensure_connection()
    with count_statements() as counter, CaptureQueriesContext(connection) as captured:
        three_statements()
    assert len(captured.captured_queries) == 3
    assert counter.statements == 3
    assert connection.execute_wrappers == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reopened_connection_counts_each_statement_once():
    """django-post-office closes its connection after every batch of 100; the
    reopened connection fires connection_created again. The harness used to
    add one more wrapper each time: 100 batches counted the last batch 101
    times (3.1 statements per email instead of 0.06)."""
    with count_statements() as counter:
        for batch in range(3):
            with CaptureQueriesContext(connection) as captured:
                three_statements(f"batch{batch}")
            # close() then connect(): a new database connection on the same
            # connection object (on in-memory SQLite close() alone keeps it).
            connection.close()
            connection.connect()
    assert len(captured.captured_queries) == 3
    assert counter.statements == 3 * 3
    assert connection.execute_wrappers == []
