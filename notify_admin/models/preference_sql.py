"""The user's own choice for a row's (category, channel), as SQL.

A correlated lookup on the preferences' unique index (user, category,
target), written as one small expression rather than a ``Subquery``: the
claim compiles its statement for every batch, and a Subquery compiles a
whole inner query each time (about a millisecond of Python per batch).
"""

from django.db.models import CharField, Expression

from .preference import NotificationPreference


class PreferenceChoice(Expression):
    """``blocked`` when the user turned the category off on the channel, ""
    when they turned it on, NULL when they made no choice."""

    def __init__(self, user_id, category_id, target_id, blocked):
        super().__init__(output_field=CharField())
        self.sources = [user_id, category_id, target_id]
        self.blocked = blocked

    def get_source_expressions(self):
        return self.sources

    def set_source_expressions(self, exprs):
        self.sources = list(exprs)

    def as_sql(self, compiler, connection):
        compiled = [compiler.compile(expression) for expression in self.sources]
        opts = NotificationPreference._meta
        quote = connection.ops.quote_name

        def column(name):
            return f"na_pref.{quote(opts.get_field(name).column)}"

        user, category, target = (sql for sql, _params in compiled)
        sql = (
            f"(SELECT CASE WHEN {column('enabled')} THEN '' ELSE %s END "
            f"FROM {quote(opts.db_table)} na_pref "
            f"WHERE {column('user')} = {user} AND {column('category')} = {category} "
            f"AND {column('target')} = {target} LIMIT 1)"
        )
        params = [self.blocked]
        for _sql, expression_params in compiled:
            params.extend(expression_params)
        return sql, params
