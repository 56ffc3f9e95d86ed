"""Pickup orders at their point: the staff of that point look a code up and hand the order
over, once; the handover is logged with who and when, and the order completes."""

from __future__ import annotations

from django.db import transaction

from delivery.errors import PickupCodeInvalid
from orders import notes
from orders.models import ActorType, DeliveryMethod, Order, OrderStatus, PickupHandover
from orders.services.effects import notify_after_commit
from orders.services.transitions import order_lock, order_transition

S = OrderStatus


def _code(text) -> str:
    code = (text or "").strip().replace(" ", "")
    if len(code) != 8 or not (code.isascii() and code.isdigit()):
        raise PickupCodeInvalid()
    return code


def pickup_order_for(*, code, staff) -> Order:
    """The paid pickup order with ``code`` waiting at one of ``staff``'s points; anything
    else (another point's order, one handed over, a wrong code) is "no order here"."""
    order = (
        Order.objects.filter(
            pickup_code=_code(code),
            delivery_method=DeliveryMethod.PICKUP,
            status=S.PAID,
            pickup_point__in=staff.pickup_points.all(),
        )
        .select_related("pickup_point", "slot_day__slot")
        .prefetch_related("items")
        .first()
    )
    if order is None:
        raise PickupCodeInvalid()
    return order


@transaction.atomic
def pickup_hand_over(*, code, staff) -> Order:
    """Hand a pickup order over: under the order's lock, only from paid, once (the handover
    row is one an order); the order is shipped and completed in the same transaction."""
    found = pickup_order_for(code=code, staff=staff)
    order = order_lock(order_id=found.pk)
    if order.status != S.PAID or PickupHandover.objects.filter(order=order).exists():
        raise PickupCodeInvalid()
    PickupHandover.objects.create(order=order, point_id=order.pickup_point_id, staff=staff)
    params = {"point": found.pickup_point.name}
    for status in (S.SHIPPED, S.COMPLETED):
        order = order_transition(
            order_id=order.pk,
            to_status=status,
            actor=staff,
            actor_type=ActorType.MERCHANT,
            note_key=notes.PICKED_UP,
            note_params=params,
        )
    notify_after_commit(order.pk, "collected")
    return order
