"""Points follow orders (a transition hook, run in the order's transaction): a paid order
earns points on what its goods cost after every discount, pending until its after-sales
window closes; a refund takes back the refunded goods' share (all of them when in full)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Sum

from marketing.models import PointsEntry, PointsReason
from marketing.services.points import points_credit, points_release_at, points_take_back


def _goods_paid(order) -> Decimal:
    return order.items.aggregate(paid=Sum("paid_amount"))["paid"] or Decimal("0")


def order_points(order) -> int:
    """What an order earns: POINTS_PER_YUAN for each whole yuan its goods cost after every
    discount (shipping earns none)."""
    return int(_goods_paid(order) * Decimal(settings.POINTS_PER_YUAN))


def _take_back_share(order, *, full: bool) -> None:
    """Take back the share of the order's points that its refunded goods bear, less what
    earlier refunds took (the whole of them when ``full``)."""
    entries = PointsEntry.objects.filter(
        user_id=order.user_id, reference__startswith=order.order_no
    )
    earned = entries.filter(reason=PointsReason.ORDER_EARNED, reference=order.order_no)
    earned = earned.values_list(F("amount") + F("pending_amount"), flat=True).first()
    if not earned:
        return
    goods = _goods_paid(order)
    refunded = min(order.refunded_amount, goods)
    owed = earned if full or not goods else int(earned * refunded / goods)
    taken = entries.filter(reason=PointsReason.REFUND_REVERSED).aggregate(
        taken=Sum(F("amount") + F("pending_amount"))
    )["taken"]
    owed += taken or 0  # what earlier refunds took is negative
    if owed > 0:
        points_take_back(
            user_id=order.user_id,
            amount=owed,
            reason=PointsReason.REFUND_REVERSED,
            # One take-back per refunded total: a repeated transition takes nothing more.
            reference=f"{order.order_no}:{order.refunded_amount}",
            earned_reason=PointsReason.ORDER_EARNED,
            earned_reference=order.order_no,
        )


def points_follow_order(*, order, from_status: str, to_status: str) -> None:
    from orders.models import OrderStatus

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
    elif to_status == OrderStatus.REFUNDED:
        _take_back_share(order, full=True)
    elif from_status == OrderStatus.REFUNDING and order.refunded_amount > 0:
        _take_back_share(order, full=False)  # a partial refund, the order back as it was
    if to_status == OrderStatus.COMPLETED and order.completed_at:
        points_release_at(
            user_id=order.user_id,
            reason=PointsReason.ORDER_EARNED,
            reference=order.order_no,
            when=order.completed_at + timedelta(days=settings.AFTERSALE_DAYS),
        )
