"""What a committed order sets off: the pay countdown and the shopper's notification.

Each is queued after commit on its own (config.oncommit): a failing broker is logged and
skips nothing else. Inside ``order_effects_batched()`` the orders made in a row (the
flash-sale consumer makes hundreds a second) queue one countdown task and one notification
task per kind for all of them when the block ends, instead of two broker round trips each.
Only orders whose transaction committed are included.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from config.countdown import apply_at
from config.oncommit import after_commit

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    closes: dict[int, datetime] = field(default_factory=dict)  # order id → pay deadline
    notices: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


_pending: ContextVar[_Pending | None] = ContextVar("order_effects_pending", default=None)


def schedule_close(order) -> None:
    """After commit, a countdown task that closes the order if it is still unpaid.

    If the broker is down the failure is logged and the order stands: the minute sweep
    (beat, or the in-process scheduler in embedded mode) closes it on time anyway.
    """
    from orders.tasks import order_close_overdue_task

    pending = _pending.get()
    if pending is not None:
        after_commit(lambda: pending.closes.__setitem__(order.pk, order.pay_deadline))
        return
    due = order.pay_deadline.timestamp()
    after_commit(lambda: apply_at(order_close_overdue_task, args=[order.pk], due=due))


def notify_after_commit(order_id: int, kind: str) -> None:
    """Queue the shopper's notification once the transaction commits (never raises)."""
    from orders.tasks import order_notify_task

    pending = _pending.get()
    if pending is not None:
        after_commit(lambda: pending.notices[kind].append(order_id))
        return
    after_commit(lambda: order_notify_task.delay(order_id, kind))


def order_effects_again(order) -> None:
    """The effects of creating ``order``, once more: for a creation that committed but whose
    process may have died before they were queued (a flash-sale consumer killed mid-batch;
    the next one finds the order made). The pay countdown (closing is idempotent) and the
    "created" notification (unique per order and kind, so the shopper gets one), only while
    the order still waits for payment."""
    from orders.models import OrderStatus

    if order.status != OrderStatus.PENDING_PAYMENT:
        return
    schedule_close(order)
    notify_after_commit(order.pk, "created")


@contextmanager
def order_effects_batched() -> Iterator[None]:
    """Collect the countdowns and notifications of the orders committed inside; queue them
    as one task each (per kind) on the way out, each send on its own."""
    from orders.tasks import order_close_overdue_many_task, order_notify_many_task

    pending = _Pending()

    def flush():
        if pending.closes:
            # The latest deadline of the batch: an earlier order closes at most the batch's
            # duration late, never early (closing checks each order's own deadline).
            due = max(pending.closes.values()).timestamp()
            _send(order_close_overdue_many_task, [sorted(pending.closes)], due)
        for kind, order_ids in pending.notices.items():
            _send(order_notify_many_task, [order_ids, kind], None)

    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
        # Inside an outer transaction the orders are not committed yet: send once it
        # commits, after the callbacks that collect them (they run in order).
        after_commit(flush)


def _send(task, args: list, due: float | None) -> None:
    try:
        if due is None:
            task.apply_async(args=args)
        else:
            apply_at(task, args=args, due=due)
    except Exception:  # the broker is down: the sweep still closes them; logged
        logger.exception("could not queue %s for %d orders", task.name, len(args[0]))
