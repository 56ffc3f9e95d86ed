"""Points and growth follow orders (a transition hook, run in the order's transaction).

- Paid: the order earns points on what its goods cost after every discount (the rules' rate
  times the shopper's level multiplier), pending until its after-sales window closes; and
  growth at the rules' rate, at once (the level follows).
- Cancelled (any path: the shopper, the pay timeout, the merchant): the points the order
  spent come back, exactly those not yet returned.
- Refunded in part: the refunded goods' share of the points earned and of the growth is
  taken back, of the points spent given back (less what earlier refunds moved); in full:
  all that is left of each.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Sum

from marketing.models import GrowthEntry, GrowthReason, PointsEntry, PointsReason
from marketing.selectors.members import growth_of, level_for, member_rules
from marketing.services.members import growth_change
from marketing.services.points import (
    points_credit,
    points_give_back,
    points_release_at,
    points_take_back,
)


def _goods_paid(order) -> Decimal:
    return order.items.aggregate(paid=Sum("paid_amount"))["paid"] or Decimal("0")


def order_points(order, *, growth: int | None = None) -> int:
    """What an order earns: the rules' points per yuan its goods cost after every discount
    (shipping earns none), times the multiplier of the shopper's level."""
    rules = member_rules()
    level = level_for(growth_of(order.user) if growth is None else growth)
    multiplier = level.points_multiplier if level else Decimal("1")
    return int(_goods_paid(order) * rules.points_per_yuan * multiplier)


def order_growth(order) -> int:
    return int(_goods_paid(order) * member_rules().growth_per_yuan)


def _owed(order, whole: int, moved: int, *, full: bool) -> int:
    """What a refund moves of ``whole`` (points or growth the order earned or spent) when
    ``moved`` already moved with earlier refunds: the refunded goods' share, all the rest
    when ``full``."""
    goods = _goods_paid(order)
    refunded = min(order.refunded_amount, goods)
    share = whole if full or not goods else int(whole * refunded / goods)
    return max(share - moved, 0)


def _entries(order):
    return PointsEntry.objects.filter(user_id=order.user_id, reference__startswith=order.order_no)


def _total(entries) -> int:
    return entries.aggregate(n=Sum(F("amount") + F("pending_amount")))["n"] or 0


def _take_back_earned(order, *, full: bool) -> None:
    entries = _entries(order)
    earned = _total(entries.filter(reason=PointsReason.ORDER_EARNED, reference=order.order_no))
    if not earned:
        return
    owed = _owed(
        order, earned, -_total(entries.filter(reason=PointsReason.REFUND_REVERSED)), full=full
    )
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


def _spent(order) -> PointsEntry | None:
    return PointsEntry.objects.filter(
        user_id=order.user_id, reason=PointsReason.ORDER_SPENT, reference=order.order_no
    ).first()


def _give_back_spent(order, *, reason: str, reference: str, full: bool) -> None:
    spent = _spent(order)
    if spent is None or not spent.amount:
        return
    returned = _total(
        _entries(order).filter(
            reason__in=[PointsReason.ORDER_RETURNED, PointsReason.REFUND_RETURNED]
        )
    )
    owed = _owed(order, -spent.amount, returned, full=full)
    if owed > 0:
        points_give_back(
            user_id=order.user_id, spent=spent, amount=owed, reason=reason, reference=reference
        )


def _take_back_growth(order, *, full: bool) -> None:
    mine = GrowthEntry.objects.filter(user_id=order.user_id, reference__startswith=order.order_no)
    earned = mine.filter(reason=GrowthReason.ORDER_PAID).aggregate(n=Sum("amount"))["n"]
    if not earned:
        return
    taken = -(mine.filter(reason=GrowthReason.REFUND).aggregate(n=Sum("amount"))["n"] or 0)
    owed = _owed(order, earned, taken, full=full)
    if owed > 0:
        growth_change(
            user_id=order.user_id,
            amount=-owed,
            reason=GrowthReason.REFUND,
            reference=f"{order.order_no}:{order.refunded_amount}",
        )


def _refunded(order, *, full: bool) -> None:
    _take_back_earned(order, full=full)
    _give_back_spent(
        order,
        reason=PointsReason.REFUND_RETURNED,
        reference=f"{order.order_no}:{order.refunded_amount}",
        full=full,
    )
    _take_back_growth(order, full=full)


def _paid(order) -> None:
    growth = growth_of(order.user)
    # Points at the level the shopper had when they paid, growth counting from then on.
    points = order_points(order, growth=growth)
    if points > 0:
        points_credit(
            user_id=order.user_id,
            amount=points,
            reason=PointsReason.ORDER_EARNED,
            reference=order.order_no,
            held=True,
        )
    growth = order_growth(order)
    if growth > 0:
        growth_change(
            user_id=order.user_id,
            amount=growth,
            reason=GrowthReason.ORDER_PAID,
            reference=order.order_no,
        )


def points_follow_order(*, order, from_status: str, to_status: str) -> None:
    from orders.models import OrderStatus

    if to_status == OrderStatus.PAID and from_status in (
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.GROUPING,
    ):
        _paid(order)
    elif to_status == OrderStatus.CANCELLED:
        _give_back_spent(
            order, reason=PointsReason.ORDER_RETURNED, reference=order.order_no, full=True
        )
    elif to_status == OrderStatus.REFUNDED:
        _refunded(order, full=True)
    elif from_status == OrderStatus.REFUNDING and order.refunded_amount > 0:
        _refunded(order, full=False)  # a partial refund, the order back as it was
    if to_status == OrderStatus.COMPLETED and order.completed_at:
        points_release_at(
            user_id=order.user_id,
            reason=PointsReason.ORDER_EARNED,
            reference=order.order_no,
            when=order.completed_at + timedelta(days=settings.AFTERSALE_DAYS),
        )
