"""The order state machine: one service moves an order between states, exactly once.

``order_transition`` checks the allowed-transition table, updates with
``UPDATE … WHERE status = <old>`` and writes an OrderEvent, so of racing callers (a shopper's
cancel, the countdown task, the sweep) exactly one wins.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.consumers import push_to_user
from config.logs import log_bind
from config.oncommit import after_commit
from delivery.services import slot_release
from orders.errors import IllegalTransition, OrderNotFound
from orders.hooks import order_moved
from orders.models import ActorType, Order, OrderEvent, OrderStatus

S = OrderStatus
TRANSITIONS: dict[str, set[str]] = {
    S.PENDING_PAYMENT: {S.PAID, S.GROUPING, S.CANCELLED},
    # A group order waits for its group: paid on to shipping when it fills, cancelled (and
    # its money sent back by payments) when it fails; never shipped, refunded by after-sales
    # or completed while it waits.
    S.GROUPING: {S.PAID, S.CANCELLED},
    S.PAID: {S.SHIPPED, S.REFUNDING},
    S.SHIPPED: {S.COMPLETED, S.REFUNDING},
    S.COMPLETED: {S.REFUNDING},
    # Back to where it was when a request is rejected, withdrawn or partly refunded.
    S.REFUNDING: {S.REFUNDED, S.PAID, S.SHIPPED, S.COMPLETED},
}
STAMPS = {
    S.GROUPING: "paid_at",
    S.PAID: "paid_at",
    S.SHIPPED: "shipped_at",
    S.COMPLETED: "completed_at",
    S.CANCELLED: "cancelled_at",
}


@transaction.atomic
def order_transition(
    *,
    order_id: int,
    to_status: str,
    actor=None,
    actor_type: str = ActorType.SYSTEM,
    note: str = "",
    fields: dict | None = None,
    from_statuses: set[str] | None = None,
    stamp: bool = True,
    note_key: str = "",
    note_params: dict | None = None,
) -> Order:
    """Move an order to ``to_status`` if allowed from its current status, exactly once.

    Raises IllegalTransition when the table forbids it or another request changed the order
    first (the conditional UPDATE then matches no row).
    """
    current = Order.objects.filter(pk=order_id).values_list("status", flat=True).first()
    if current is None:
        raise OrderNotFound()
    # The table says what may ever follow; ``from_statuses`` narrows it for one caller
    # (shipping starts from "paid" only, never from "refunding").
    allowed = to_status in TRANSITIONS.get(current, set())
    if not allowed or (from_statuses is not None and current not in from_statuses):
        raise IllegalTransition(
            _("An order that is “%(current)s” cannot become “%(target)s”.")
            % {"current": S(current).label, "target": S(to_status).label}
        )
    now = timezone.now()
    updates = {"status": to_status, "updated_at": now, **(fields or {})}
    if stamp and to_status in STAMPS:  # a return to an earlier state keeps its first time
        updates[STAMPS[to_status]] = now
    if not Order.objects.filter(pk=order_id, status=current).update(**updates):
        raise IllegalTransition(_("The order was changed by someone else. Reload and retry."))
    OrderEvent.objects.create(
        order_id=order_id,
        from_status=current,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_type=actor_type,
        note=note[:300],
        note_key=note_key,
        note_params=note_params or {},
    )
    order = Order.objects.get(pk=order_id)
    log_bind(order_no=order.order_no)
    if to_status in (S.CANCELLED, S.REFUNDED) and order.slot_day_id:
        slot_release(order_no=order.order_no)  # the place goes back, once
    order_moved(order=order, from_status=current, to_status=to_status)
    # A hint to the shopper's open pages (they ask the API for the truth).
    event = {"order_no": order.order_no, "status": to_status}
    after_commit(lambda: push_to_user(order.user_id, "order.status", event))
    return order


def order_lock(*, order_id: int) -> Order:
    """The one way to lock an order row (inside a transaction). Callers that lock other rows
    too lock them first (a payment, then its order), so no two paths deadlock."""
    return Order.objects.select_for_update().get(pk=order_id)
