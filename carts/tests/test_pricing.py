"""The price engine: exact splits in fen, stages in order, and orders that keep every
discount per line."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carts.pricing import PriceLine, Stage, allocate, price_quote, to_fen
from carts.pricing import engine as pricing_engine
from delivery.tests.factories import set_default_shipping

# Shipping reads the templates (the default one, made by its migration).
pytestmark = pytest.mark.django_db


def test_ten_off_three_lines_of_ten_loses_no_fen():
    assert allocate(1000, [1000, 1000, 1000]) == [333, 333, 334]


def test_a_tiny_last_line_never_takes_more_than_it_costs():
    parts = allocate(20000, [10000, 10000, 1])
    assert parts[2] <= 1
    assert sum(parts) == 20000
    assert all(0 <= p <= w for p, w in zip(parts, [10000, 10000, 1], strict=True))


def test_more_off_than_the_lines_cost_is_refused():
    with pytest.raises(ValueError, match="cannot take"):
        allocate(301, [100, 100, 100])


@given(
    weights=st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=30),
    share=st.fractions(min_value=0, max_value=1),
)
def test_shares_sum_to_the_discount_and_none_passes_its_line(weights, share):
    total = int(sum(weights) * share)
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert all(0 <= p <= w for p, w in zip(parts, weights, strict=True))


def test_yuan_that_are_not_whole_fen_are_refused():
    assert to_fen(Decimal("999.50")) == 99950
    with pytest.raises(ValueError, match="not a whole number of fen"):
        to_fen(Decimal("0.005"))


def _line(sku_id, price, quantity=1, **kwargs):
    price = Decimal(price)
    return PriceLine(
        sku_id=sku_id,
        product_id=sku_id,
        category_path="food/fruit",
        quantity=quantity,
        unit_price=price,
        list_price=price,
        **kwargs,
    )


def off_everything(source: str, amount, stage=Stage.PROMOTION, label=None):
    """A stage taking ``amount`` off every line that can take it, as ``source``."""

    def apply(quote):
        quote.discount_lines(
            source=source,
            stage=stage,
            kind=source.split(":")[0],
            label=label or source,
            indexes=quote.lines_where(lambda line: True),
            amount=Decimal(amount),
        )

    return (stage, apply)


@pytest.fixture
def stages(monkeypatch):
    """Replace the registered stages with the given ones for one test (shipping stays)."""

    def use(**named):
        kept = {n: s for n, s in pricing_engine._stages.items() if n == "shipping"}
        monkeypatch.setattr(pricing_engine, "_stages", {**kept, **named})

    return use


def test_each_stage_sees_what_the_one_before_left(stages, settings):
    set_default_shipping(fee="10.00", free_over_amount="99.00")
    seen = []

    def coupon(quote):
        seen.append(quote.items_net)
        # 10 % of what is left after the promotion.
        quote.discount_lines(
            source="coupon:1",
            stage=Stage.COUPON,
            kind="coupon",
            label="9折",
            indexes=quote.lines_where(lambda line: True),
            amount=quote.items_net / 10,
        )

    stages(coupon=(Stage.COUPON, coupon), promotion=off_everything("promotion:1", "20.00"))
    quote = price_quote(lines=[_line(1, "60.00"), _line(2, "40.00")])
    assert seen == [Decimal("80.00")]
    assert [d.source for d in quote.discounts] == ["promotion:1", "coupon:1"]
    assert quote.items_discount == Decimal("28.00")
    # 72.00 left is under the free-shipping threshold of 99: the fee is charged.
    assert quote.shipping_fee == Decimal("10.00")
    assert quote.total == Decimal("82.00")
    assert [line.net for line in quote.lines] == [Decimal("43.20"), Decimal("28.80")]


def test_a_flash_sale_line_takes_no_further_discount(stages):
    stages(promotion=off_everything("promotion:1", "10.00"))
    quote = price_quote(
        lines=[_line(1, "30.00"), _line(2, "5.00", discountable=False, stock_source="seckill:4")]
    )
    assert [line.discount for line in quote.lines] == [Decimal("10.00"), Decimal("0.00")]


def test_free_shipping_waived_by_an_earlier_stage_is_a_discount_on_shipping(stages, settings):
    set_default_shipping(fee="8.00", free_over_amount="99.00")

    def coupon(quote):
        quote.waive_shipping(source="coupon:9", kind="coupon", label="免运费")

    stages(coupon=(Stage.COUPON, coupon))
    quote = price_quote(lines=[_line(1, "30.00")])
    assert quote.shipping_fee == Decimal("8.00")
    assert quote.shipping_discount == Decimal("8.00")
    assert quote.total == Decimal("30.00")


@pytest.mark.django_db
def test_an_order_keeps_each_discount_per_line_and_they_add_up(stages, buyer):
    from catalog.tests.factories import make_product
    from orders.tests.conftest import place_order

    stages(promotion=off_everything("promotion:7", "10.00", label="减10"))
    sku = make_product(skus=[{"price": Decimal("10.00")}], spec=[]).skus.get()
    order = place_order(buyer, sku, 3)
    item = order.items.get()
    assert (order.items_amount, order.discount_amount) == (Decimal("30.00"), Decimal("10.00"))
    assert order.total_amount == Decimal("20.00") + order.shipping_fee
    assert (item.discount_amount, item.paid_amount) == (Decimal("10.00"), Decimal("20.00"))
    discount = order.discounts.get()
    assert (discount.source, discount.label, discount.amount) == (
        "promotion:7",
        "减10",
        Decimal("10.00"),
    )
    assert [a.amount for a in discount.allocations.all()] == [Decimal("10.00")]


@pytest.mark.django_db
def test_a_hold_that_fails_leaves_no_order_and_no_stock_taken(stages, buyer):
    from catalog.models import Sku
    from catalog.tests.factories import make_product
    from config.exceptions import ApplicationError
    from orders.models import Order
    from orders.tests.conftest import place_order

    class Lost(ApplicationError):
        code = 99999
        default_message = "lost"

    def hold(order):
        raise Lost()

    stages(coupon=(Stage.COUPON, lambda quote: quote.holds.append(hold)))
    sku = make_product().skus.get()
    with pytest.raises(Lost):
        place_order(buyer, sku, 2)
    assert not Order.objects.exists()
    assert Sku.objects.get(pk=sku.pk).stock == 10


@pytest.mark.django_db
def test_the_order_message_says_how_the_total_came_about(stages, buyer):
    from catalog.tests.factories import make_product
    from orders import notifications
    from orders.models import Message
    from orders.tests.conftest import place_order

    stages(promotion=off_everything("promotion:7", "15.00", label="满100减15"))
    order = place_order(buyer, make_product().skus.get(), 1)
    notifications.order_notify(order_id=order.pk, kind="created")
    body = Message.objects.get(order=order, kind="created").body
    assert body.splitlines() == [
        f"Items ¥100.00, shipping ¥{order.shipping_fee:,.2f}.",
        "满100减15: −¥15.00",
        f"Total ¥{order.total_amount:,.2f}. See your order for details.",
    ]


def test_discounts_that_stack_never_bring_the_goods_to_nothing(stages):
    # 70 % off and then 40 % off the usual price would be more than the price.
    stages(a=off_everything("a", "70.00"), b=off_everything("b", "40.00", stage=Stage.COUPON))
    quote = price_quote(lines=[_line(1, "60.00"), _line(2, "40.00")])
    assert quote.items_net == Decimal("0.01")
    assert sum(line.net for line in quote.lines) == Decimal("0.01")
