"""Side effects after commit, each on its own.

A committed order must never turn into a 500 because a side effect failed (Redis or the
broker down), and one failing side effect must not skip the others. Django runs a
``robust`` callback in a try/except that logs the error (with the request id, through the
logging filter) and goes on with the next one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction


def after_commit(func: Callable[[], object]) -> None:
    """Run ``func`` once the current transaction commits (at once outside one); never raise."""
    transaction.on_commit(func, robust=True)
