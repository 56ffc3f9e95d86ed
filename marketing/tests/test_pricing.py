"""The marketing stages on the price engine: thresholds met exactly, the best tier, the
coupon after promotions, limited-time prices at their second, and every fen allocated."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carts.pricing import AUTO, price_line, price_quote
from catalog.models import Sku
from catalog.tests.factories import make_category, make_product
from marketing.models import CouponKind
from marketing.services import coupon_claim
from marketing.tests.factories import make_limited_time, make_template, make_tiers

pytestmark = pytest.mark.django_db


def _sku(price, **product):
    return make_product(
        skus=[{"price": Decimal(price), "stock": 100}], spec=[], **product
    ).skus.get()


def _quote(*lines, user=None, coupon=AUTO, now=None):
    """lines: (sku, quantity) pairs, priced as checkout prices them."""
    skus = {
        s.pk: s
        for s in Sku.objects.filter(pk__in=[sku.pk for sku, _q in lines]).select_related(
            "product", "product__category"
        )
    }
    return price_quote(
        lines=[price_line(skus[sku.pk], quantity) for sku, quantity in lines],
        user=user,
        coupon=coupon,
        now=now,
    )


def test_999_50_does_not_reach_1000_and_1000_does():
    make_tiers(("1000", "100"))
    short = _quote((_sku("999.50"), 1))
    assert short.items_discount == Decimal("0.00")
    assert short.hints[0]["gap"] == Decimal("0.50")
    assert _quote((_sku("1000.00"), 1)).items_discount == Decimal("100.00")


def test_5_off_1_on_5_yuan_is_4_yuan():
    make_tiers(("5", "1"))
    quote = _quote((_sku("5.00"), 1))
    assert quote.items_net == Decimal("4.00")


def test_the_best_tier_met_applies_and_the_next_one_is_hinted():
    make_tiers(("199", "30"), ("399", "80"))
    quote = _quote((_sku("100.00"), 2), (_sku("150.00"), 1))  # 350
    assert quote.items_discount == Decimal("30.00")
    hint = quote.hints[0]
    assert hint["gap"] == Decimal("49.00")
    assert hint["text"] == "Add ¥49 more for ¥80 off"


def test_pieces_tiers_take_a_percent():
    make_tiers(("2", None, "90"), threshold_kind="pieces")
    quote = _quote((_sku("33.33"), 1), (_sku("10.00"), 1))
    # 10 % of 43.33, to the fen (4.333 → 4.33).
    assert quote.items_discount == Decimal("4.33")


def test_a_percent_coupon_is_computed_after_the_promotion(buyer):
    make_tiers(("100", "20"))
    coupon = coupon_claim(
        user=buyer,
        template_id=make_template(
            kind=CouponKind.PERCENT, amount_off=None, price_percent=Decimal("90"), threshold=0
        ).pk,
    )
    quote = _quote((_sku("150.00"), 1), user=buyer)
    assert [(d.kind, d.amount) for d in quote.discounts] == [
        ("promotion", Decimal("20.00")),
        ("coupon", Decimal("13.00")),  # 10 % of 130, not of 150
    ]
    assert quote.coupon_chosen == coupon.pk


def test_the_coupon_threshold_counts_what_is_left_after_promotions(buyer):
    make_tiers(("100", "10"))
    coupon_claim(user=buyer, template_id=make_template().pk)  # 满100减10
    quote = _quote((_sku("105.00"), 1), user=buyer)  # 95 after the promotion
    row = quote.coupons[0]
    assert (row["usable"], row["reason"], row["gap"]) == (False, "below_threshold", Decimal("5.00"))
    assert quote.coupon_chosen is None


def test_the_best_coupon_is_chosen_and_others_say_why_not(buyer):
    small = coupon_claim(
        user=buyer, template_id=make_template(name="减5", amount_off=5, threshold=0).pk
    )
    big = coupon_claim(user=buyer, template_id=make_template(name="减10").pk)
    far = coupon_claim(
        user=buyer, template_id=make_template(name="满500减50", amount_off=50, threshold=500).pk
    )
    quote = _quote((_sku("120.00"), 1), user=buyer)
    assert quote.coupon_chosen == big.pk
    rows = {row["id"]: row for row in quote.coupons}
    assert rows[small.pk]["usable"] and rows[small.pk]["value"] == Decimal("5.00")
    assert rows[far.pk]["reason_text"] == "Spend ¥380 more to use it"


def test_a_promotion_that_takes_no_coupon_keeps_its_lines_out_of_the_coupon(buyer):
    apple, pear = _sku("100.00"), _sku("100.00")
    make_tiers(
        ("50", "10"), products=[apple.product], scope="products", combines_with_coupons=False
    )
    coupon_claim(user=buyer, template_id=make_template(threshold=0).pk)
    quote = _quote((apple, 1), (pear, 1), user=buyer)
    coupon = next(d for d in quote.discounts if d.kind == "coupon")
    assert set(coupon.lines) == {1}  # the pear only


def test_scope_by_category_covers_the_categories_below_and_exclusions_hold():
    fruit = make_category("Fruit")
    apples = make_category("Apples", parent=fruit)
    apple = _sku("60.00", category=apples)
    excluded = _sku("60.00", category=apples)
    other = _sku("60.00")
    promotion = make_tiers(("50", "10"), scope="categories")
    promotion.categories.set([fruit])
    promotion.excluded_products.set([excluded.product])
    from marketing.services import promotions_changed

    promotions_changed()
    quote = _quote((apple, 1), (excluded, 1), (other, 1))
    assert [line.discount for line in quote.lines] == [
        Decimal("10.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]


def test_a_limited_time_price_sells_below_the_usual_one():
    sku = _sku("80.00")
    make_limited_time(sku.product, price_percent="85")
    quote = _quote((sku, 3))
    line = quote.lines[0]
    assert (line.sale_unit_price, line.discount) == (Decimal("68.00"), Decimal("36.00"))


def test_a_promotion_that_ends_mid_session_is_gone_from_the_next_quote_and_the_order(buyer):
    from orders.tests.conftest import place_order

    sku = _sku("80.00")
    make_limited_time(sku.product, price="50.00", ends_at=timezone.now() + timedelta(seconds=1.5))
    assert _quote((sku, 1)).items_net == Decimal("50.00")  # the rules are cached now
    time.sleep(1.6)
    assert _quote((sku, 1)).items_net == Decimal("80.00")
    order = place_order(buyer, sku, 1)
    assert (order.items_amount, order.discount_amount) == (Decimal("80.00"), Decimal("0.00"))


def test_a_promotion_yet_to_start_applies_from_its_second():
    sku = _sku("80.00")
    starts = timezone.now() + timedelta(hours=1)
    make_limited_time(sku.product, price="50.00", starts_at=starts)
    assert _quote((sku, 1), now=starts - timedelta(seconds=1)).items_net == Decimal("80.00")
    assert _quote((sku, 1), now=starts).items_net == Decimal("50.00")


def test_a_flash_sale_line_takes_neither_promotion_nor_coupon(buyer):
    sku = _sku("100.00")
    make_tiers(("50", "10"))
    coupon_claim(user=buyer, template_id=make_template(threshold=0).pk)
    line = price_line(
        Sku.objects.select_related("product", "product__category").get(pk=sku.pk),
        1,
        unit_price=Decimal("9.90"),
        stock_source="seckill:1",
    )
    quote = price_quote(lines=[line], user=buyer)
    assert quote.discounts == []
    assert quote.items_net == Decimal("9.90")


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prices=st.lists(
        st.decimals(min_value="1.00", max_value="999.99", places=2), min_size=1, max_size=6
    ),
    quantities=st.lists(st.integers(min_value=1, max_value=5), min_size=6, max_size=6),
)
def test_on_any_cart_the_lines_shares_sum_to_each_discount(buyer, prices, quantities):
    from accounts.tests.factories import AddressFactory
    from carts.keys import user_cart_key
    from carts.services import cart_clear
    from orders.models import OrderItemDiscount
    from orders.services import order_create_from_cart
    from orders.tests.conftest import fill_cart

    make_tiers(("30", "7.77"), ("300", "33.33"))
    coupon = coupon_claim(
        user=buyer,
        template_id=make_template(
            kind=CouponKind.PERCENT,
            amount_off=None,
            price_percent="87",
            threshold=0,
            per_user_limit=99,
        ).pk,
    )
    cart_clear(key=user_cart_key(buyer.pk))
    fill_cart(buyer, *[(_sku(p), q) for p, q in zip(prices, quantities, strict=False)])
    order, _ = order_create_from_cart(
        user=buyer, address_id=AddressFactory(user=buyer).pk, coupon=coupon.pk
    )
    items = list(order.items.all())
    assert sum(i.paid_amount for i in items) == order.items_amount - order.discount_amount
    for discount in order.discounts.all():
        shares = OrderItemDiscount.objects.filter(discount=discount)
        assert sum(s.amount for s in shares) == discount.amount
    assert order.total_amount == order.items_amount + order.shipping_fee - order.discount_amount
    assert order.total_amount > 0


def test_the_cart_and_checkout_queries_stay_flat_in_lines_and_promotions(
    buyer, client, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from carts.keys import user_cart_key
    from carts.services import cart_add

    client.force_login(buyer)

    def queries(path) -> int:
        client.get(path)  # warm: the session, the promotions' rules
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    def fill(n):
        for _ in range(n):
            sku = _sku("120.00")
            make_tiers(("100", "10"), products=[sku.product], scope="products")
            make_limited_time(sku.product, price_percent="90")
            cart_add(key=user_cart_key(buyer.pk), sku_id=sku.pk, quantity=1)

    coupon_claim(user=buyer, template_id=make_template(threshold=0).pk)
    fill(1)
    few = queries(reverse("carts:cart")), queries(reverse("orders:checkout"))
    fill(9)
    many = queries(reverse("carts:cart")), queries(reverse("orders:checkout"))
    assert many == few
