"""Writing a batch's attempt rows in one statement (``DeliveryAttempt.objects``).

The SQL ``bulk_create`` would write, with the values prepared directly: for a
batch of hundreds of rows, bulk_create's per-field, per-row preparation cost
more than the rest of recording.
"""

import json

from django.db import connections, models

#: The columns of an attempt row; ``insert_rows`` takes each row in this order
#: without ``run`` and ``attempted_at`` (the same for the whole batch).
ATTEMPT_COLUMNS = (
    "notification",
    "run",
    "attempted_at",
    "outcome",
    "address",
    "provider_id",
    "error_code",
    "error_message",
    "response",
)


class DeliveryAttemptQuerySet(models.QuerySet):
    def insert_rows(self, rows, attempted_at, run_id=None):
        """Insert attempt rows ``(notification_id, outcome, address,
        provider_id, error_code, error_message, response)``, all attempted at
        ``attempted_at`` in run ``run_id``: one INSERT (a few on SQLite, which
        binds at most 999 parameters per statement)."""
        if not rows:
            return
        connection = connections[self.db]
        if connection.vendor == "postgresql":
            return self._insert_unnest(connection, rows, attempted_at, run_id)
        meta = self.model._meta
        fields = [meta.get_field(name) for name in ATTEMPT_COLUMNS]
        notification_field, response_field = fields[0], fields[-1]
        run = fields[1].get_db_prep_save(run_id, connection)
        at = fields[2].get_db_prep_save(attempted_at, connection)
        # Most attempts (every plain success) carry no provider response.
        no_response = response_field.get_db_prep_save({}, connection)
        values = [
            (
                notification_field.get_db_prep_save(pk, connection),
                run,
                at,
                *texts,
                response_field.get_db_prep_save(response, connection)
                if response
                else no_response,
            )
            for pk, *texts, response in rows
        ]
        quote = connection.ops.quote_name
        head = "INSERT INTO {} ({}) VALUES ".format(
            quote(meta.db_table), ", ".join(quote(field.column) for field in fields)
        )
        row_sql = "({})".format(", ".join(["%s"] * len(fields)))
        size = max(1, connection.ops.bulk_batch_size(fields, values))
        with connection.cursor() as cursor:
            for start in range(0, len(values), size):
                chunk = values[start : start + size]
                cursor.execute(
                    head + ", ".join([row_sql] * len(chunk)),
                    [value for row in chunk for value in row],
                )

    def _insert_unnest(self, connection, rows, attempted_at, run_id):
        """PostgreSQL: the attempt rows as one array per column.

        ``INSERT ... SELECT FROM unnest(...)`` binds nine parameters whatever
        the batch size; a VALUES list of 500 rows binds 4,500, and psycopg
        parses a query that long afresh on every execution (it caches short
        ones only), which cost more than the rest of recording.
        """
        meta = self.model._meta
        encoder = meta.get_field("response").encoder
        columns = list(zip(*rows, strict=True))
        responses = [json.dumps(item or {}, cls=encoder) for item in columns[-1]]
        quote = connection.ops.quote_name
        sql = (
            "INSERT INTO {table} ({columns}) "
            "SELECT n, %s::{run_type}, %s, o, a, p, c, m, r::jsonb FROM unnest("
            "%s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[], "
            "%s::text[], %s::text[]) AS t(n, o, a, p, c, m, r)"
        ).format(
            table=quote(meta.db_table),
            # A NULL run would otherwise be sent as text.
            run_type=meta.get_field("run").db_type(connection),
            columns=", ".join(
                quote(meta.get_field(name).column) for name in ATTEMPT_COLUMNS
            ),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql, [run_id, attempted_at, *map(list, columns[:-1]), responses]
            )
