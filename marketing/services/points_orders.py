"""Points follow orders (a transition hook, run in the order's transaction): a paid order
earns points on what its goods cost after every discount, pending until its after-sales
window closes; a full refund takes them back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum

from marketing.models import PointsReason
from marketing.services.points import points_credit, points_release_at, points_take_back


def order_points(order) -> int:
    """What an order earns: POINTS_PER_YUAN for each whole yuan its goods cost after every
    discount (shipping earns none)."""
    paid = order.items.aggregate(paid=Sum("paid_amount"))["paid"] or Decimal("0")
    return int(paid * Decimal(settings.POINTS_PER_YUAN))


def points_follow_order(*, order, from_status: str, to_status: str) -> None:
    from orders.models import OrderStatus

    earned = {"earned_reason": PointsReason.ORDER_EARNED, "earned_reference": order.order_no}
    if to_status == OrderStatus.PAID and from_status == OrderStatus.PENDING_PAYMENT:
        points = order_points(order)
        if points > 0:
            points_credit(
                user_id=order.user_id,
                amount=points,
                reason=PointsReason.ORDER_EARNED,
                reference=order.order_no,
                held=True,
            )
    elif to_status == OrderStatus.COMPLETED and order.completed_at:
        points_release_at(
            user_id=order.user_id,
            reason=PointsReason.ORDER_EARNED,
            reference=order.order_no,
            when=order.completed_at + timedelta(days=settings.AFTERSALE_DAYS),
        )
    elif to_status == OrderStatus.REFUNDED:
        points_take_back(
            user_id=order.user_id,
            reason=PointsReason.REFUND_REVERSED,
            reference=order.order_no,
            **earned,
        )
