"""A changelist paginator that does not count big tables row by row."""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    """``COUNT(*)`` of an unfiltered PostgreSQL table reads every row; above
    ``estimate_above`` rows the planner's estimate (``pg_class.reltuples``,
    kept fresh by autovacuum) is close enough for a page count. Filtered
    lists, small tables, other databases and never-analysed tables are
    counted exactly."""

    estimate_above = 100_000

    @cached_property
    def count(self):
        estimate = self._estimate()
        if estimate is not None and estimate > self.estimate_above:
            return estimate
        return super().count

    def _estimate(self):
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is None or query.where or query.distinct or query.combinator:
            return None
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [connection.ops.quote_name(queryset.model._meta.db_table)],
            )
            row = cursor.fetchone()
        # reltuples is -1 (PostgreSQL 14+) or 0 until the table is analysed.
        return row[0] if row and row[0] > 0 else None
