"""Refunds follow the allocation: a returned line pays back what it cost after the order's
discounts, never more; shipping comes back only with the whole order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.tests.factories import make_product
from delivery.tests.factories import set_default_shipping
from marketing.services import coupon_claim
from marketing.tests.factories import make_template, make_tiers
from orders.models import OrderStatus
from orders.services import line_refund_share, order_mark_paid, order_transition
from orders.tests.conftest import fill_cart
from payments.errors import AfterSaleInvalid
from payments.models import AfterSaleReason
from payments.services import aftersale_request_create

pytestmark = pytest.mark.django_db


def _order(buyer, *lines, coupon=None):
    from accounts.tests.factories import AddressFactory
    from carts.keys import user_cart_key
    from carts.services import cart_clear
    from orders.services import order_create_from_cart

    cart_clear(key=user_cart_key(buyer.pk))
    fill_cart(buyer, *lines)
    order, _ = order_create_from_cart(
        user=buyer, address_id=AddressFactory(user=buyer).pk, coupon=coupon
    )
    order_mark_paid(order_id=order.pk)
    order_transition(order_id=order.pk, to_status=OrderStatus.SHIPPED)
    return order


def _sku(price):
    return make_product(skus=[{"price": Decimal(price), "stock": 50}], spec=[]).skus.get()


def _return(buyer, order, amount, items):
    reason = AfterSaleReason.objects.filter(active=True).first() or AfterSaleReason.objects.create(
        name="不想要了", applies_to="any"
    )
    return aftersale_request_create(
        user=buyer,
        order_no=order.order_no,
        kind="return",
        reason_id=reason.pk,
        amount=amount,
        items={item.pk: n for item, n in items},
    )


def test_a_return_below_the_threshold_pays_back_only_what_the_returned_line_cost(buyer, settings):
    set_default_shipping(fee="10.00", free_over_amount="1000")
    make_tiers(("199", "30"))
    big, small = _sku("150.00"), _sku("60.00")
    order = _order(buyer, (big, 1), (small, 1))  # 210 → 满199减30 → 180 + shipping 10
    assert order.total_amount == Decimal("190.00")
    items = {item.sku_id: item for item in order.items.all()}
    # 30 off split 150:60 → 21.42 and the remainder 8.58: the small line cost 51.42.
    assert items[small.pk].paid_amount == Decimal("51.42")
    with pytest.raises(AfterSaleInvalid) as refused:
        _return(buyer, order, "60.00", [(items[small.pk], 1)])
    assert refused.value.errors == {"amount": ["At most ¥51.42 can be refunded."]}
    request = _return(buyer, order, "51.42", [(items[small.pk], 1)])
    assert request.amount == Decimal("51.42")


def test_returning_everything_left_brings_the_shipping_back_too(buyer, settings):
    set_default_shipping(fee="10.00", free_over_amount="1000")
    coupon = coupon_claim(user=buyer, template_id=make_template(threshold=0).pk)
    sku = _sku("33.33")
    order = _order(buyer, (sku, 3), coupon=coupon.pk)  # 99.99 − 10 + 10 shipping
    item = order.items.get()
    assert item.paid_amount == Decimal("89.99")
    with pytest.raises(AfterSaleInvalid):
        _return(buyer, order, "30.00", [(item, 1)])  # one unit is 29.99 of 89.99
    assert _return(buyer, order, "99.99", [(item, 3)]).amount == Decimal("99.99")


def test_units_of_a_line_pay_back_exactly_the_line_in_fen():
    from orders.models import OrderItem

    item = OrderItem(quantity=3, paid_amount=Decimal("10.00"))
    shares = [line_refund_share(item=item, already=n, more=1) for n in range(3)]
    assert shares == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]
    assert line_refund_share(item=item, already=1, more=2) == Decimal("6.67")


def test_a_partial_refund_only_leaves_the_shipping_for_the_full_refund(buyer, settings):
    from accounts.tests.factories import AddressFactory
    from carts.keys import user_cart_key
    from carts.services import cart_clear
    from orders.services import order_create_from_cart

    set_default_shipping(fee="10.00", free_over_amount="1000")
    cart_clear(key=user_cart_key(buyer.pk))
    fill_cart(buyer, (_sku("50.00"), 1))
    order, _ = order_create_from_cart(user=buyer, address_id=AddressFactory(user=buyer).pk)
    order_mark_paid(order_id=order.pk)  # paid, not shipped: refund only
    reason = AfterSaleReason.objects.create(name="不想要了", applies_to="any")

    def ask(amount):
        return aftersale_request_create(
            user=buyer, order_no=order.order_no, kind="refund", reason_id=reason.pk, amount=amount
        )

    with pytest.raises(AfterSaleInvalid) as refused:
        ask("55.00")  # more than the goods, less than everything
    assert refused.value.errors == {
        "amount": [
            "Shipping is refunded only with the whole order: at most ¥50.00, or all of ¥60.00."
        ]
    }
    assert ask("60.00").amount == Decimal("60.00")
