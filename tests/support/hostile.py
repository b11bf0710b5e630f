"""Hostile input for the hypothesis tests: the example budget, text as people
paste it, and a savepoint per example."""

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Modest example counts keep the suite fast; function-scoped fixtures are
# fine because every example runs in its own savepoint (see ``isolated``).
EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Text as people paste it: control characters, NUL, emoji, right-to-left marks.
NASTY = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300
)


def isolated(func):
    """Run one example in a savepoint rolled back afterwards."""

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            func()
            raise Rollback
    except Rollback:
        pass
