"""An order's life after checkout: cancel, timeout, payment, shipping, completion."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import StockReason
from catalog.services import product_sales_add
from config.metrics import count_order
from config.oncommit import after_commit
from orders import notes
from orders.errors import IllegalTransition, SettleIncomplete
from orders.hooks import payment_verdict, settle_before_cancel
from orders.models import (
    ActorType,
    DeliveryMethod,
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
    Parcel,
    ParcelItem,
)
from orders.services.effects import notify_after_commit
from orders.services.transitions import order_lock, order_transition
from orders.stock_sources import order_stock_lines, stock_give_back

S = OrderStatus


def order_cancel(
    *,
    order_id: int,
    actor=None,
    actor_type: str,
    reason: str = "",
    reason_key: str = "",
    stock_reason: str = StockReason.CANCEL,
) -> Order:
    """Cancel an unpaid order and return its stock, exactly once however many callers race.
    ``reason`` is what a person typed; ``reason_key`` one of orders.notes (read in the
    reader's language), for the shop's own reasons.

    First, outside the transaction, the payment gateways are asked (orders.hooks): a payment
    that went through makes the order paid, and this cancel then raises IllegalTransition.
    """
    settle_before_cancel(order_id=order_id)
    return _order_cancel(
        order_id=order_id,
        actor=actor,
        actor_type=actor_type,
        reason=reason,
        reason_key=reason_key,
        stock_reason=stock_reason,
    )


@transaction.atomic
def _order_cancel(
    *,
    order_id,
    actor,
    actor_type,
    reason,
    reason_key,
    stock_reason,
    from_statuses=frozenset({S.PENDING_PAYMENT}),
    notice="cancelled",
) -> Order:
    order = order_transition(
        order_id=order_id,
        to_status=S.CANCELLED,
        actor=actor,
        actor_type=actor_type,
        note=reason,
        note_key=reason_key,
        # The key itself when the shop gave the reason (Order.cancel_reason_display).
        fields={"cancel_reason": (reason or reason_key)[:200]},
        from_statuses=set(from_statuses),
    )
    stock_give_back(
        lines=order_stock_lines(order),
        reason=stock_reason,
        reference=order.order_no,
        actor=actor,
        order_id=order.pk,
    )
    notify_after_commit(order.pk, notice)
    count_order("timed_out" if stock_reason == StockReason.TIMEOUT else "cancelled", order.source)
    return order


def order_close_overdue(*, order_id: int) -> bool:
    """Cancel the order if it is still unpaid past its deadline; True if this call did it.

    Idempotent and safe to race with the sweep, the countdown task and the shopper; the
    payment gateways are asked first (order_cancel), so a late payment makes it paid.
    """
    due = Order.objects.filter(
        pk=order_id, status=S.PENDING_PAYMENT, pay_deadline__lte=timezone.now()
    ).exists()
    if not due:
        return False
    try:
        order_cancel(
            order_id=order_id,
            actor_type=ActorType.SYSTEM,
            reason_key=notes.NOT_PAID_IN_TIME,
            stock_reason=StockReason.TIMEOUT,
        )
    except IllegalTransition:
        return False  # paid or cancelled meanwhile
    except SettleIncomplete:
        return False  # the gateway says paid but cannot show it yet: the sweep asks again
    return True


def orders_close_overdue(*, limit: int = 500) -> int:
    """The sweep: close up to ``limit`` unpaid orders past their deadline; returns how many."""
    ids = list(
        Order.objects.filter(status=S.PENDING_PAYMENT, pay_deadline__lte=timezone.now())
        .order_by("pay_deadline")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(order_close_overdue(order_id=order_id) for order_id in ids)


@transaction.atomic
def order_mark_paid(
    *,
    order_id: int,
    actor=None,
    actor_type: str = ActorType.SYSTEM,
    note: str = "",
    note_key: str = "",
    note_params: dict | None = None,
) -> Order:
    """Record payment (called by payments; merchants may mark offline payments).

    The apps above decide what a paid order of theirs becomes (orders.hooks.payment_verdict):
    a group order waits for its group ("grouping"), or is paid on when its payment fills the
    group; one its group cannot take (full meanwhile) is cancelled with the reason, and the
    caller, finding it cancelled, sends the money back."""
    order = order_lock(order_id=order_id)  # payments holds it already; a merchant does not
    verdict = payment_verdict(order=order) if order.status == S.PENDING_PAYMENT else None
    if verdict is not None and verdict.refuse:
        return _order_cancel(
            order_id=order_id,
            actor=None,
            actor_type=ActorType.SYSTEM,
            reason="",
            reason_key=verdict.refuse,
            stock_reason=StockReason.CANCEL,
            notice=verdict.refuse,
        )
    to_status = (verdict.status if verdict is not None else "") or S.PAID
    order = order_transition(
        order_id=order_id,
        to_status=to_status,
        actor=actor,
        actor_type=actor_type,
        note=note,
        note_key=(verdict.note_key if verdict is not None else "") or note_key,
        note_params=note_params,
        from_statuses={S.PENDING_PAYMENT},
    )
    if to_status == S.PAID:
        return _paid_on(order, notice=(verdict.notice if verdict is not None else "") or "paid")
    notify_after_commit(order.pk, to_status)
    return order


def _paid_on(order: Order, *, notice: str) -> Order:
    """What a paid order sets off once it may ship: its pickup code, its sales, the notice."""
    if order.delivery_method == DeliveryMethod.PICKUP:
        order = pickup_code_give(order=order)
    sold: dict[int, int] = {}
    for product_id, quantity in order.items.exclude(product=None).values_list(
        "product_id", "quantity"
    ):
        sold[product_id] = sold.get(product_id, 0) + quantity
    after_commit(lambda: product_sales_add(quantities=sold))
    notify_after_commit(order.pk, notice)
    count_order("paid", order.source)
    return order


def order_group_settle(*, order_id: int, succeeded: bool, note_key: str) -> Order | None:
    """A group order's group is decided: it filled (the order is paid on to shipping) or it
    failed (the order is cancelled with ``note_key``, its units go back, and payments sends
    the money back in full). Once: an order no longer waiting is left as it is (None)."""
    if not Order.objects.filter(pk=order_id, status=S.GROUPING).exists():
        return None
    if not succeeded:
        return _order_cancel(
            order_id=order_id,
            actor=None,
            actor_type=ActorType.SYSTEM,
            reason="",
            reason_key=note_key,
            stock_reason=StockReason.CANCEL,
            from_statuses={S.GROUPING},
            notice=note_key,
        )
    with transaction.atomic():
        order = order_transition(
            order_id=order_id,
            to_status=S.PAID,
            note_key=note_key,
            from_statuses={S.GROUPING},
            stamp=False,  # paid when the money came
        )
        return _paid_on(order, notice=note_key)


PICKUP_CODE_ATTEMPTS = 5


def pickup_code_give(*, order: Order) -> Order:
    """A paid pickup order's code: eight random digits, unique among orders (a clash, one in
    tens of millions, draws again); the shopper shows it, the point's staff type or scan it."""
    for _attempt in range(PICKUP_CODE_ATTEMPTS):
        code = f"{secrets.randbelow(10**8):08d}"
        try:
            with transaction.atomic():
                Order.objects.filter(pk=order.pk, pickup_code="").update(pickup_code=code)
            break
        except IntegrityError:
            continue
    else:
        raise RuntimeError("no free pickup code")
    order.refresh_from_db(fields=["pickup_code"])
    return order


def order_ship(*, order_id: int, carrier: str, tracking_no: str, actor=None) -> Order:
    """Ship what is left of a paid order in one parcel with its carrier and tracking
    number."""
    return order_ship_parcel(
        order_id=order_id, carrier=carrier, tracking_no=tracking_no, actor=actor
    )


@transaction.atomic
def order_ship_parcel(
    *, order_id: int, carrier: str, tracking_no: str, lines: dict | None = None, actor=None
) -> Order:
    """Ship a parcel of a paid order: ``lines`` {order item id: units} (None: every unit not
    shipped yet). Under the order's lock, never more of a line than is left; the order is
    shipped when every unit of every line is in a parcel (its carrier and tracking number
    the last parcel's), and until then stays paid with the parcel in its history."""
    carrier, tracking_no = (carrier or "").strip(), (tracking_no or "").strip()
    errors = {}
    if not carrier:
        errors["carrier"] = [_("This field is required.")]
    if not tracking_no:
        errors["tracking_no"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    order = order_lock(order_id=order_id)
    if order.delivery_method == DeliveryMethod.PICKUP:
        raise ValidationError(
            {"carrier": [_("A pickup order is handed over at its point, not shipped.")]}
        )
    if order.status != S.PAID:  # not while a refund is asked for, not twice
        raise IllegalTransition(
            _("An order that is “%(current)s” cannot become “%(target)s”.")
            % {"current": S(order.status).label, "target": S.SHIPPED.label}
        )
    left = order_units_left(order)
    if lines is None:
        lines = {item_id: units for item_id, units in left.items() if units > 0}
    wrong = [
        item_id
        for item_id, units in lines.items()
        if item_id not in left or not isinstance(units, int) or not 0 < units <= left[item_id]
    ]
    if wrong or not lines:
        raise ValidationError(
            {"lines": [_("Ship between one unit and what is left of each line.")]}
        )
    parcel = Parcel.objects.create(
        order=order,
        carrier=carrier[:50],
        tracking_no=tracking_no[:64],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    ParcelItem.objects.bulk_create(
        ParcelItem(parcel=parcel, item_id=item_id, quantity=units)
        for item_id, units in sorted(lines.items())
    )
    params = {"carrier": carrier[:50], "tracking_no": tracking_no[:64]}
    if any(left[item_id] - lines.get(item_id, 0) > 0 for item_id in left):
        OrderEvent.objects.create(
            order=order,
            from_status=S.PAID,
            to_status=S.PAID,
            actor=parcel.created_by,
            actor_type=ActorType.MERCHANT,
            note_key=notes.PARCEL_SHIPPED,
            note_params=params,
        )
        return order
    order = order_transition(
        order_id=order.pk,
        to_status=S.SHIPPED,
        actor=actor,
        actor_type=ActorType.MERCHANT,
        note_key=notes.SHIPPED,
        note_params=params,
        fields=params,
        from_statuses={S.PAID},
    )
    notify_after_commit(order.pk, "shipped")
    return order


def order_units_left(order: Order) -> dict[int, int]:
    """{order item id: units not in a parcel yet}."""
    shipped = dict(
        ParcelItem.objects.filter(item__order=order)
        .values("item_id")
        .annotate(n=Sum("quantity"))
        .values_list("item_id", "n")
    )
    return {
        item.pk: item.quantity - shipped.get(item.pk, 0)
        for item in OrderItem.objects.filter(order=order).order_by("pk")
    }


def order_confirm_receipt(*, order_id: int, user) -> Order:
    """The shopper says the parcel arrived."""
    return order_transition(
        order_id=order_id,
        to_status=S.COMPLETED,
        actor=user,
        actor_type=ActorType.SHOPPER,
        note_key=notes.RECEIPT_CONFIRMED,
        from_statuses={S.SHIPPED},
    )


def orders_auto_complete(*, limit: int = 500) -> int:
    """Complete orders shipped more than ORDER_AUTO_COMPLETE_DAYS ago; returns how many."""
    cutoff = timezone.now() - timedelta(days=settings.ORDER_AUTO_COMPLETE_DAYS)
    ids = Order.objects.filter(status=S.SHIPPED, shipped_at__lte=cutoff).values_list(
        "pk", flat=True
    )[:limit]
    done = 0
    for order_id in list(ids):
        try:
            order_transition(
                order_id=order_id,
                to_status=S.COMPLETED,
                note_key=notes.AUTO_COMPLETED,
                from_statuses={S.SHIPPED},  # not one whose return is open meanwhile
            )
            done += 1
        except IllegalTransition:
            continue
    return done
