"""The flash-sale stock source, registered with orders (which never imports seckill).

An order line ``seckill:<event id>`` takes its units from the event's row with a conditional
update; cancel, timeout and refund give them back there while the event is live, and to the
SKU once it ended (ending moved what was left to the SKU). The shopper's admission is
released at the same time, and after commit the gate gets the unit back exactly once.
"""

from __future__ import annotations

from django.utils import timezone

from catalog.errors import InsufficientStock
from catalog.models import StockReason
from catalog.services import stock_take_many
from config.oncommit import after_commit
from orders.errors import OutOfStock
from seckill import gate
from seckill.models import EventStatus, EventStockReason, SeckillAdmission, SeckillEvent
from seckill.services.events import event_lock, event_stock_move

SOURCE = "seckill"
_REASONS = {
    StockReason.CANCEL: EventStockReason.CANCEL,
    StockReason.TIMEOUT: EventStockReason.TIMEOUT,
    StockReason.REFUND: EventStockReason.REFUND,
}


def source_name(event_id: int) -> str:
    return f"{SOURCE}:{event_id}"


def event_units_take(*, ref: str, sku_id: int, quantity: int, reference: str, actor=None) -> str:
    """Units for a flash-sale order: from the event, or from the SKU if the event ended
    (its units went back there) while the reservation was queued."""
    event_id = int(ref)
    if (
        event_stock_move(
            event_id=event_id,
            quantity=-quantity,
            reason=EventStockReason.ORDER,
            reference=reference,
            actor=actor,
        )
        is not None
    ):
        return source_name(event_id)
    if SeckillEvent.objects.filter(pk=event_id, status=EventStatus.ENDED).exists():
        try:
            stock_take_many(
                quantities={sku_id: quantity},
                reason=StockReason.ORDER,
                reference=reference,
                actor=actor,
            )
        except InsufficientStock as exc:
            raise OutOfStock(exc.message, errors=exc.errors) from exc
        return ""
    raise OutOfStock()


def event_units_give_back(
    *, ref: str, sku_id, quantity: int, reason: str, reference: str, actor=None, order_id=None
) -> bool:
    """Back to the event while it is live (True); to the SKU once it ended (False)."""
    event_id = int(ref)
    event_reason = _REASONS.get(reason)
    # The row lock orders this against event_end, which moves what is left to the SKU.
    event = event_lock(event_id=event_id)
    to_event = event is not None and event.status != EventStatus.ENDED and event_reason is not None
    if to_event:
        event_stock_move(
            event_id=event_id,
            quantity=quantity,
            reason=event_reason,
            reference=reference,
            actor=actor,
        )
    _admission_release(order_id=order_id, unit_to_gate=to_event)
    return to_event


def _admission_release(*, order_id, unit_to_gate: bool) -> None:
    """The shopper no longer holds the admission (and may buy again); the gate gets the
    unit back only if the event did."""
    if order_id is None:
        return
    admission = SeckillAdmission.objects.filter(order_id=order_id, released_at=None).first()
    if admission is None:
        return
    if not SeckillAdmission.objects.filter(pk=admission.pk, released_at=None).update(
        released_at=timezone.now()
    ):
        return  # released by a racing caller
    after_commit(
        lambda: gate.release(
            event_id=admission.event_id,
            reservation_id=admission.reservation_id,
            user_id=admission.user_id,
            quantity=admission.quantity,
            unit_back=unit_to_gate,
        )
    )
