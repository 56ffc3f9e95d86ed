"""What the payments app asks of an order when money goes back (orders never imports
payments): the order waits while a request is open, goes back to where it was, records the
amount refunded, and takes back the stock of returned or never-shipped goods through the
ledger, from where each unit came."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from carts.pricing import from_fen, to_fen
from catalog.models import StockReason
from orders.models import ActorType, Order, OrderItem, OrderStatus
from orders.services.transitions import order_transition
from orders.stock_sources import order_stock_lines, stock_give_back

S = OrderStatus
REFUNDABLE = {S.PAID, S.SHIPPED, S.COMPLETED}


def order_refund_open(*, order_id: int, actor=None, note: str = "") -> None:
    """A request is open: the order is "refunding" until it ends (the request keeps the
    status it had, where a rejection puts it back). The caller holds the order lock."""
    order_transition(
        order_id=order_id,
        to_status=S.REFUNDING,
        actor=actor,
        actor_type=ActorType.SHOPPER,
        note=note,
        from_statuses=REFUNDABLE,
    )


def order_refund_back(
    *, order_id: int, to_status: str, actor=None, actor_type=ActorType.SYSTEM, note: str = ""
) -> None:
    """The request ended without (the rest of) the money: the order is as it was, with its
    first paid/shipped/completed times (never "shipped" if it had not shipped)."""
    order_transition(
        order_id=order_id,
        to_status=to_status,
        actor=actor,
        actor_type=actor_type,
        note=note,
        from_statuses={S.REFUNDING},
        stamp=False,
    )


def order_refund_record(
    *, order_id: int, amount: Decimal, back_to: str, note: str = "", track_state: bool = True
) -> Order:
    """``amount`` went back to the shopper. A full refund makes the order "refunded" (and an
    order that never shipped gives all its stock back); a partial one puts it back to
    ``back_to``. ``track_state`` False (money for a cancelled order) records the amount only."""
    Order.objects.filter(pk=order_id).update(
        refunded_amount=F("refunded_amount") + amount, updated_at=timezone.now()
    )
    order = Order.objects.get(pk=order_id)
    if not track_state:
        return order
    if order.refunded_amount < order.total_amount:
        order_refund_back(order_id=order_id, to_status=back_to, note=note)
        return order
    order = order_transition(
        order_id=order_id, to_status=S.REFUNDED, note=note, from_statuses={S.REFUNDING}
    )
    if back_to == S.PAID:  # never shipped: all of it is back on the shelf
        stock_give_back(
            lines=order_stock_lines(order),
            reason=StockReason.REFUND,
            reference=note,
            order_id=order.pk,
        )
    return order


def order_items_returned(
    *, order_id: int, quantities: dict[int, int], reference: str, actor=None
) -> None:
    """Returned goods arrived: {order item id: quantity} goes back to stock."""
    items = Order.objects.get(pk=order_id).items.filter(pk__in=quantities)
    stock_give_back(
        lines=[
            (source, sku_id, quantities[item_id])
            for item_id, source, sku_id in items.values_list("pk", "stock_source", "sku_id")
        ],
        reason=StockReason.RETURN,
        reference=reference,
        actor=actor,
    )


def line_refund_share(*, item: OrderItem, already: int, more: int) -> Decimal:
    """What ``more`` units of a line pay back when ``already`` of its units went back before:
    the line's paid amount (its total less its share of the discounts) split over its units
    in fen, the remainder on the last, so all its units together pay back exactly what the
    line cost, never more."""
    paid = to_fen(item.paid_amount)

    def first(units: int) -> int:
        return paid if units >= item.quantity else paid * units // item.quantity

    return from_fen(first(already + more) - first(already))


def order_shipping_paid(order: Order, items: list[OrderItem]) -> Decimal:
    """The shipping the shopper paid: the total less what the lines cost."""
    return order.total_amount - sum((item.paid_amount for item in items), Decimal("0.00"))


def order_return_cap(
    *, order: Order, returned_before: dict[int, int], lines: dict[int, int]
) -> Decimal:
    """The most a return of ``lines`` ({order item id: units}) may pay back: those units'
    share of what their lines cost after discounts, so a return that takes an order below a
    promotion's threshold pays back what the returned lines cost, no more and no less.
    Shipping comes back only with everything else: returning every unit left adds the
    shipping paid. Never more than is left of the order's total."""
    items = list(order.items.all())
    left = order.total_amount - order.refunded_amount
    shipping = order_shipping_paid(order, items)
    cap = sum(
        (
            line_refund_share(
                item=item, already=returned_before.get(item.pk, 0), more=lines.get(item.pk, 0)
            )
            for item in items
            if lines.get(item.pk)
        ),
        Decimal("0.00"),
    )
    everything = all(
        returned_before.get(item.pk, 0) + lines.get(item.pk, 0) >= item.quantity for item in items
    )
    if everything:
        cap += shipping
    return min(cap, left)


def order_refund_goods_left(order: Order) -> Decimal:
    """What a partial refund without returned goods may pay back: what is left of the
    total less the shipping paid (shipping comes back only with a full refund)."""
    items = list(order.items.all())
    return order.total_amount - order.refunded_amount - order_shipping_paid(order, items)
