"""Tasks due later than a broker lets a message wait unacknowledged.

A countdown task is taken by a worker at once and held, unacknowledged, until it is due.
RabbitMQ closes the channel of a consumer that holds a delivery past its ``consumer_timeout``
(30 minutes by default: the very length of a pay timeout), killing the worker with
``PRECONDITION_FAILED``; on Redis a message held past ``visibility_timeout`` is delivered a
second time, and one held by a worker that lost its connection waits that long to come back.

So no countdown is longer than CELERY_MAX_COUNTDOWN (5 minutes, well under both): a task due
later is queued for that long with its due time, and when it runs early it queues itself
again for what is left (``requeue_if_early``). The beat sweep behind every timer stays the
backstop for a hop that was lost (broker down at that moment).
"""

from __future__ import annotations

import math
import time

from django.conf import settings


def apply_at(task, *, args: list, due: float) -> None:
    """Queue ``task(*args, due=due)`` to run at ``due`` (a Unix time), never held longer than
    CELERY_MAX_COUNTDOWN; the task must start with ``requeue_if_early``."""
    wait = max(0.0, due - time.time())
    # Whole seconds, rounded up: the last hop never lands before ``due`` (the task's service
    # checks the deadline to the microsecond and would do nothing).
    task.apply_async(
        args=args,
        kwargs={"due": due},
        countdown=math.ceil(min(wait, settings.CELERY_MAX_COUNTDOWN)),
    )


def requeue_if_early(task, *, args: list, due: float | None) -> bool:
    """True (and queued again) when this run came before ``due``: the task returns at once.
    Run inline (embedded mode, tests), a countdown means nothing: the task runs now, as it
    always did there (its service checks the deadline itself)."""
    if due is None or time.time() >= due or task.request.is_eager:
        return False
    apply_at(task, args=args, due=due)
    return True
