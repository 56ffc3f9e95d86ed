"""Points at checkout, member levels and member prices, on real PostgreSQL and real threads:
points held by the order that uses them and given back exactly once by every cancel path
and in their share by refunds; levels reached at their threshold exactly and lost by a
refund below it; a member price that a lower limited-time price replaces, never joins."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from accounts.tests.factories import AddressFactory, UserFactory
from carts.pricing import ALL_POINTS
from catalog.tests.factories import make_product
from config.testing import run_together
from marketing.errors import NotEnoughPoints, PointsNotUsable
from marketing.models import (
    GrowthEntry,
    Membership,
    PointsAccount,
    PointsEntry,
    PointsReason,
)
from marketing.services import growth_change, points_audit, points_credit
from marketing.tests.factories import make_level, make_limited_time, set_rules
from orders.models import ActorType, Order, OrderDiscount, OrderItemDiscount, OrderStatus
from orders.services import (
    checkout_lines,
    order_cancel,
    order_close_overdue,
    order_create_from_cart,
    order_mark_paid,
    order_refund_record,
    order_transition,
)
from orders.tests.conftest import fill_cart, place_order

pytestmark = pytest.mark.django_db(transaction=True)


def _give(user, points, reference="gift"):
    points_credit(user_id=user.pk, amount=points, reason=PointsReason.ADJUSTED, reference=reference)


def _balance(user) -> int:
    return PointsAccount.objects.get(user=user).balance


def _sku(price, stock=50):
    return make_product(skus=[{"price": Decimal(price), "stock": stock}], spec=[]).skus.get()


# --- points at checkout ------------------------------------------------------------------


def test_the_quote_offers_whole_units_up_to_the_share_and_the_order_holds_them():
    set_rules(points_per_yuan_off=100, points_max_percent=50)
    buyer = UserFactory()
    _give(buyer, 2_345)
    fill_cart(buyer, (_sku("33.30"), 1), (_sku("16.70"), 1))  # ¥50 of goods (+¥10 shipping)
    offer = checkout_lines(user=buyer, coupon=None)["points_offer"]
    # Half of ¥50 is ¥25: 2,500 points would do, the shopper has 2,345, so 23 whole units.
    assert (offer["balance"], offer["max_points"], offer["max_value"]) == (
        2_345,
        2_300,
        Decimal("23.00"),
    )
    with pytest.raises(PointsNotUsable):
        checkout_lines(user=buyer, coupon=None, points=150)  # not whole units
    with pytest.raises(PointsNotUsable):
        checkout_lines(user=buyer, coupon=None, points=2_400)  # more than the order may take
    quote = checkout_lines(user=buyer, coupon=None, points=ALL_POINTS)
    assert (quote["points_offer"]["points"], quote["total"]) == (2_300, Decimal("37.00"))

    order, _ = order_create_from_cart(
        user=buyer, address_id=AddressFactory(user=buyer).pk, points=ALL_POINTS
    )
    assert order.total_amount == Decimal("37.00")
    discount = OrderDiscount.objects.get(order=order, kind="points")
    assert (discount.amount, discount.details) == (Decimal("23.00"), {"points": 2_300})
    shares = OrderItemDiscount.objects.filter(discount=discount).values_list("amount", flat=True)
    assert sum(shares) == Decimal("23.00") and len(shares) == 2
    assert _balance(buyer) == 45
    spent = PointsEntry.objects.get(reason=PointsReason.ORDER_SPENT, reference=order.order_no)
    assert spent.amount == -2_300


def test_two_orders_using_the_same_points_at_once_one_is_refused_and_rolled_back():
    set_rules(points_per_yuan_off=100, points_max_percent=50)
    buyer = UserFactory()
    _give(buyer, 1_000)
    sku = _sku("100.00")
    fill_cart(buyer, (sku, 1))
    address = AddressFactory(user=buyer)

    def order(n):
        def place():
            return order_create_from_cart(
                user=buyer, address_id=address.pk, points=1_000, idempotency_key=f"k{n}"
            )[0]

        return place

    # Both priced before either spends (the prepare reads 1,000 for each).
    outcomes = run_together(order(1), order(2))
    placed = [o for o in outcomes if isinstance(o, Order)]
    refused = [o for o in outcomes if isinstance(o, NotEnoughPoints)]
    assert (len(placed), len(refused)) == (1, 1), outcomes
    assert refused[0].errors["points"]
    assert Order.objects.count() == 1  # the refused one left nothing behind
    sku.refresh_from_db()
    assert sku.stock == 49
    assert _balance(buyer) == 0
    assert points_audit() == []


@pytest.mark.parametrize("path", ["shopper", "merchant", "timeout"])
def test_every_cancel_path_gives_back_exactly_the_points_used_once(path):
    set_rules(points_per_yuan_off=10, points_max_percent=50)
    buyer = UserFactory()
    _give(buyer, 500)
    order = place_order(buyer, sku=_sku("80.00"), points=300)
    assert _balance(buyer) == 200
    if path == "timeout":
        Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(1))
        assert order_close_overdue(order_id=order.pk)
        assert not order_close_overdue(order_id=order.pk)
    else:
        actor_type = ActorType.SHOPPER if path == "shopper" else ActorType.MERCHANT
        order_cancel(order_id=order.pk, actor_type=actor_type)
        with pytest.raises(Exception):  # noqa: B017 - cancelled already: refused
            order_cancel(order_id=order.pk, actor_type=actor_type)
    assert _balance(buyer) == 500
    back = PointsEntry.objects.filter(reason=PointsReason.ORDER_RETURNED)
    assert list(back.values_list("amount", "reference")) == [(300, order.order_no)]
    assert points_audit() == []


def test_refunds_give_back_the_refunded_share_of_the_points_used_and_the_rest_in_full():
    set_rules(points_per_yuan_off=10, points_max_percent=50, points_per_yuan=Decimal("0"))
    buyer = UserFactory()
    _give(buyer, 400)
    order = place_order(buyer, sku=_sku("50.00"), quantity=4, points=400)  # ¥200 less ¥40
    order_mark_paid(order_id=order.pk)
    assert _balance(buyer) == 0

    def refund(amount):
        order_transition(order_id=order.pk, to_status=OrderStatus.REFUNDING)
        order_refund_record(order_id=order.pk, amount=Decimal(amount), back_to=OrderStatus.PAID)

    refund("40.00")  # one of four units (¥40 each after points): a quarter of the points
    assert _balance(buyer) == 100
    refund("120.00")  # everything: the rest
    assert _balance(buyer) == 400
    back = PointsEntry.objects.filter(reason=PointsReason.REFUND_RETURNED)
    assert sorted(back.values_list("amount", flat=True)) == [100, 300]
    assert points_audit() == []


# --- levels and growth -------------------------------------------------------------------


def test_reaching_a_threshold_exactly_upgrades_and_a_refund_below_it_downgrades():
    set_rules(growth_per_yuan=Decimal("1"), points_per_yuan=Decimal("1"))
    make_level("普通会员", 0)
    silver = make_level("银卡", 500, points_multiplier=Decimal("2"))
    buyer = UserFactory()
    first = place_order(buyer, sku=_sku("300.00"))
    order_mark_paid(order_id=first.pk)
    assert Membership.objects.get(user=buyer).level.name == "普通会员"
    second = place_order(buyer, sku=_sku("200.00"))
    order_mark_paid(order_id=second.pk)
    membership = Membership.objects.get(user=buyer)
    assert (membership.growth, membership.level_id) == (500, silver.pk)
    # Orders paid at 银卡 earn twice the points.
    third = place_order(buyer, sku=_sku("100.00"))
    order_mark_paid(order_id=third.pk)
    earned = PointsEntry.objects.get(reason=PointsReason.ORDER_EARNED, reference=third.order_no)
    assert earned.pending_amount == 200
    # Refunding the first in full and the third takes the growth back below 500.
    order_transition(order_id=first.pk, to_status=OrderStatus.REFUNDING)
    order_refund_record(order_id=first.pk, amount=Decimal("300.00"), back_to=OrderStatus.PAID)
    order_transition(order_id=third.pk, to_status=OrderStatus.REFUNDING)
    order_transition(order_id=third.pk, to_status=OrderStatus.REFUNDED)
    membership.refresh_from_db()
    assert (membership.growth, membership.level.name) == (200, "普通会员")
    assert list(
        GrowthEntry.objects.filter(user=buyer).order_by("pk").values_list("amount", "growth_after")
    ) == [(300, 300), (200, 500), (100, 600), (-300, 300), (-100, 200)]


def test_growth_never_goes_below_zero_and_a_repeated_change_counts_once():
    make_level("普通会员", 0)
    buyer = UserFactory()
    growth_change(user_id=buyer.pk, amount=50, reason="adjusted", reference="a")
    assert growth_change(user_id=buyer.pk, amount=50, reason="adjusted", reference="a") is None
    entry = growth_change(user_id=buyer.pk, amount=-80, reason="refund", reference="r")
    assert (entry.amount, entry.growth_after) == (-50, 0)
    assert Membership.objects.get(user=buyer).growth == 0


def test_a_level_changed_by_the_merchant_moves_every_member():
    from marketing.models import MemberLevel
    from marketing.services import member_levels_changed

    buyer = UserFactory()
    growth_change(user_id=buyer.pk, amount=300, reason="adjusted", reference="a")
    assert Membership.objects.get(user=buyer).level is None
    gold = make_level("金卡", 400)
    MemberLevel.objects.filter(pk=gold.pk).update(growth_min=300)
    member_levels_changed()
    assert Membership.objects.get(user=buyer).level_id == gold.pk


def test_a_member_price_applies_and_a_lower_limited_time_price_replaces_it():
    make_level("金卡会员", 0, discount_percent=Decimal("5"))
    buyer = UserFactory()
    dear, cheap = _sku("100.00"), _sku("100.00")
    make_limited_time(dear.product, price="97.00")
    make_limited_time(cheap.product, price="90.00")
    fill_cart(buyer, (dear, 1), (cheap, 2))
    quote = checkout_lines(user=buyer, coupon=None)["quote"]
    by_sku = {line.sku_id: line for line in quote.lines}
    # ¥95 as a member beats ¥97 on sale; ¥90 on sale beats ¥95 (the better, never both).
    assert by_sku[dear.pk].net == Decimal("95.00")
    assert by_sku[dear.pk].sale_unit_price is None
    assert by_sku[cheap.pk].net == Decimal("180.00")
    assert by_sku[cheap.pk].sale_unit_price == Decimal("90.00")
    with translation.override("zh-hans"):  # the label is kept in the shopper's language
        order = place_order(buyer, sku=dear)
    share = OrderItemDiscount.objects.get(item__order=order, discount__kind="member")
    assert (share.amount, share.discount.label) == (Decimal("5.00"), "金卡会员价")
