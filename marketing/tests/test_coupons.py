"""Coupons: every limit exact under real concurrency on PostgreSQL, one coupon per unpaid
order, and the same coupon back when that order is cancelled by any path."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import AddressFactory, UserFactory
from carts.keys import user_cart_key
from carts.services import cart_add, cart_clear
from catalog.models import Sku
from catalog.tests.factories import make_product
from config.testing import run_concurrently, run_together
from marketing.errors import (
    CouponForNewShoppers,
    CouponLimitReached,
    CouponNotFound,
    CouponNotUsable,
    CouponsGone,
    CouponsGoneToday,
)
from marketing.models import CouponStatus, UserCoupon
from marketing.services import coupon_claim, coupon_template_stop
from marketing.tests.factories import make_template
from orders.errors import NothingToCheckOut
from orders.models import ActorType, Order, OrderStatus
from orders.services import order_cancel, order_create_from_cart

C = CouponStatus


def _buy(user, sku, quantity=1, *, coupon=None):
    cart_clear(key=user_cart_key(user.pk))
    cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=quantity)
    address = AddressFactory(user=user)
    order, _ = order_create_from_cart(user=user, address_id=address.pk, coupon=coupon)
    return order


@pytest.mark.django_db(transaction=True)
def test_fifty_shoppers_claiming_the_last_coupon_get_exactly_one():
    template = make_template(total_quantity=1)
    shoppers = [UserFactory() for _ in range(50)]
    outcomes = run_together(
        *[lambda u=u: coupon_claim(user=u, template_id=template.pk) for u in shoppers]
    )
    won = [o for o in outcomes if isinstance(o, UserCoupon)]
    assert len(won) == 1
    assert all(isinstance(o, CouponsGone) for o in outcomes if o not in won)
    template.refresh_from_db()
    assert template.issued_count == 1
    assert UserCoupon.objects.filter(template=template).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_shopper_tapping_claim_at_once_stays_within_the_limit():
    template = make_template(per_user_limit=2)
    shopper = UserFactory()
    outcomes = run_concurrently(lambda: coupon_claim(user=shopper, template_id=template.pk), 10)
    assert sum(isinstance(o, UserCoupon) for o in outcomes) == 2
    assert all(isinstance(o, UserCoupon | CouponLimitReached) for o in outcomes)
    assert sorted(shopper.coupons.values_list("number", flat=True)) == [1, 2]
    template.refresh_from_db()
    # Refused claims took nothing from the total.
    assert template.issued_count == 2


@pytest.mark.django_db(transaction=True)
def test_the_day_limit_holds_when_many_claim_at_once():
    template = make_template(per_day_limit=3)
    shoppers = [UserFactory() for _ in range(12)]
    outcomes = run_together(
        *[lambda u=u: coupon_claim(user=u, template_id=template.pk) for u in shoppers]
    )
    assert sum(isinstance(o, UserCoupon) for o in outcomes) == 3
    assert sum(isinstance(o, CouponsGoneToday) for o in outcomes) == 9
    template.refresh_from_db()
    assert template.issued_count == 3


@pytest.mark.django_db(transaction=True)
def test_one_coupon_on_two_orders_submitted_at_once_goes_to_one(buyer):
    coupon = coupon_claim(user=buyer, template_id=make_template(threshold=Decimal("0")).pk)
    sku = make_product(skus=[{"price": Decimal("50.00"), "stock": 5}], spec=[]).skus.get()
    cart_add(key=user_cart_key(buyer.pk), sku_id=sku.pk, quantity=1)
    address = AddressFactory(user=buyer)

    def submit(key):
        return lambda: order_create_from_cart(
            user=buyer, address_id=address.pk, idempotency_key=key, coupon=coupon.pk
        )[0]

    # The same cart checked out from two devices at once. The one that comes second finds
    # the coupon held (or, if it reads the cart after the first committed, the cart empty).
    outcomes = run_together(submit("phone"), submit("laptop"))
    orders = [o for o in outcomes if isinstance(o, Order)]
    assert len(orders) == 1
    assert sum(isinstance(o, CouponNotUsable | NothingToCheckOut) for o in outcomes) == 1
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (C.HELD, orders[0].pk)
    assert orders[0].discount_amount == Decimal("10.00")
    # The order that lost the coupon rolled back with its stock.
    assert Sku.objects.get(pk=sku.pk).stock == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cancel",
    [
        lambda order: order_cancel(
            order_id=order.pk, actor=order.user, actor_type=ActorType.SHOPPER, reason="changed"
        ),
        lambda order: order_cancel(order_id=order.pk, actor=None, actor_type=ActorType.MERCHANT),
        "timeout",
    ],
    ids=["shopper", "merchant", "timeout"],
)
def test_a_cancelled_order_gives_back_that_exact_coupon_once(buyer, cancel):
    from orders.services import order_close_overdue

    template = make_template(threshold=Decimal("0"), per_user_limit=2)
    kept = coupon_claim(user=buyer, template_id=template.pk)
    used = coupon_claim(user=buyer, template_id=template.pk)
    sku = make_product().skus.get()
    order = _buy(buyer, sku, coupon=used.pk)
    used.refresh_from_db()
    assert used.status == C.HELD
    if cancel == "timeout":
        Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
        assert order_close_overdue(order_id=order.pk)
    else:
        cancel(order)
    used.refresh_from_db()
    kept.refresh_from_db()
    assert (used.status, used.order_id) == (C.AVAILABLE, None)
    assert (kept.status, kept.order_id) == (C.AVAILABLE, None)
    # It is usable again: the next order holds it.
    again = _buy(buyer, sku, coupon=used.pk)
    assert again.discount_amount == Decimal("10.00")


@pytest.mark.django_db(transaction=True)
def test_the_timeout_racing_the_payment_never_gives_back_a_paid_orders_coupon(buyer):
    from orders.services import order_close_overdue, order_mark_paid

    coupon = coupon_claim(user=buyer, template_id=make_template(threshold=Decimal("0")).pk)
    for _round in range(4):
        sku = make_product().skus.get()
        order = _buy(buyer, sku, coupon=coupon.pk)
        Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
        run_together(
            lambda order=order: order_mark_paid(order_id=order.pk),
            lambda order=order: order_close_overdue(order_id=order.pk),
        )
        order.refresh_from_db()
        coupon.refresh_from_db()
        if order.status == OrderStatus.PAID:
            assert (coupon.status, coupon.order_id) == (C.USED, order.pk)
            return
        assert order.status == OrderStatus.CANCELLED
        assert (coupon.status, coupon.order_id) == (C.AVAILABLE, None)
    pytest.fail("the payment never won the race in four rounds")


@pytest.mark.django_db
def test_someone_elses_coupon_is_not_found_and_a_used_one_is_refused(buyer):
    template = make_template(threshold=Decimal("0"))
    theirs = coupon_claim(user=UserFactory(), template_id=template.pk)
    sku = make_product().skus.get()
    with pytest.raises(CouponNotFound):
        _buy(buyer, sku, coupon=theirs.pk)
    mine = coupon_claim(user=buyer, template_id=template.pk)
    UserCoupon.objects.filter(pk=mine.pk).update(status=C.VOIDED)
    with pytest.raises(CouponNotUsable):
        _buy(buyer, sku, coupon=mine.pk)
    assert not Order.objects.filter(user=buyer).exists()
    assert Sku.objects.get(pk=sku.pk).stock == 10


@pytest.mark.django_db
def test_an_expired_coupon_or_one_below_its_threshold_charges_nothing(buyer):
    sku = make_product(skus=[{"price": Decimal("99.99")}], spec=[]).skus.get()
    coupon = coupon_claim(user=buyer, template_id=make_template().pk)  # 满100减10
    with pytest.raises(CouponNotUsable) as refused:
        _buy(buyer, sku, coupon=coupon.pk)
    assert refused.value.errors == {"coupon_id": ["Spend ¥0.01 more to use it"]}
    UserCoupon.objects.filter(pk=coupon.pk).update(valid_until=timezone.now())
    with pytest.raises(CouponNotUsable):
        _buy(buyer, sku, 2, coupon=coupon.pk)
    assert not Order.objects.filter(user=buyer).exists()


@pytest.mark.django_db
def test_new_shopper_coupons_go_to_shoppers_who_never_paid(buyer):
    from orders.services import order_mark_paid

    template = make_template(new_shoppers_only=True)
    coupon_claim(user=buyer, template_id=template.pk)
    veteran = UserFactory()
    order = _buy(veteran, make_product().skus.get())
    order_mark_paid(order_id=order.pk)
    with pytest.raises(CouponForNewShoppers):
        coupon_claim(user=veteran, template_id=template.pk)


@pytest.mark.django_db
def test_registration_gives_the_open_new_shopper_coupons(
    client, django_capture_on_commit_callbacks
):
    from accounts.services import user_register

    welcome = make_template(new_shoppers_only=True, name="新人券")
    make_template(new_shoppers_only=True, is_active=False)
    make_template(name="not for new shoppers")
    with django_capture_on_commit_callbacks(execute=True):
        user = user_register(username="newbie", password="A-long-pass-2026")
    assert list(user.coupons.values_list("template", flat=True)) == [welcome.pk]


@pytest.mark.django_db
def test_a_stopped_template_takes_no_claims_and_its_unused_coupons_can_be_voided(buyer):
    template = make_template(threshold=Decimal("0"))
    unused = coupon_claim(user=buyer, template_id=template.pk)
    held_by = UserFactory()
    held = coupon_claim(user=held_by, template_id=template.pk)
    _buy(held_by, make_product().skus.get(), coupon=held.pk)
    assert coupon_template_stop(template_id=template.pk, void_unused=True) == 1
    unused.refresh_from_db()
    held.refresh_from_db()
    assert (unused.status, held.status) == (C.VOIDED, C.HELD)
    with pytest.raises(Exception, match="cannot be claimed"):
        coupon_claim(user=UserFactory(), template_id=template.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("returned", [True, False])
def test_a_full_refund_gives_the_coupon_back_only_where_the_template_says_so(buyer, returned):
    from orders.services import order_mark_paid, order_refund_open, order_refund_record

    template = make_template(threshold=Decimal("0"), return_on_refund=returned)
    coupon = coupon_claim(user=buyer, template_id=template.pk)
    order = _buy(buyer, make_product().skus.get(), coupon=coupon.pk)
    order_mark_paid(order_id=order.pk)
    coupon.refresh_from_db()
    assert coupon.status == C.USED
    order_refund_open(order_id=order.pk)
    order_refund_record(order_id=order.pk, amount=order.total_amount, back_to=OrderStatus.PAID)
    coupon.refresh_from_db()
    assert coupon.status == (C.AVAILABLE if returned else C.USED)


@pytest.mark.django_db
def test_the_api_quotes_with_a_coupon_and_refuses_another_shoppers(buyer):
    from django.urls import reverse
    from rest_framework.test import APIClient

    from accounts.services import user_tokens_issue

    mine = coupon_claim(user=buyer, template_id=make_template().pk)
    theirs = coupon_claim(user=UserFactory(), template_id=make_template(name="theirs").pk)
    sku = make_product(skus=[{"price": Decimal("120.00")}], spec=[]).skus.get()
    cart_add(key=user_cart_key(buyer.pk), sku_id=sku.pk, quantity=1)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {user_tokens_issue(user=buyer)['access']}")
    quote = api.post(reverse("api-checkout-quote"), {}, format="json").json()
    assert quote["coupon_id"] == mine.pk
    assert [d["amount"] for d in quote["discounts"]] == ["10.00"]
    assert quote["total"] == "110.00"
    refused = api.post(reverse("api-checkout-quote"), {"coupon_id": theirs.pk}, format="json")
    assert refused.status_code == 404
    assert refused.json()["code"] == 70001
    none = api.post(reverse("api-checkout-quote"), {"coupon_id": None}, format="json").json()
    assert none["total"] == "120.00" and none["coupon_id"] is None
    placed = api.post(
        reverse("api-orders"),
        {
            "address_id": AddressFactory(user=buyer).pk,
            "coupon_id": mine.pk,
            "expected_total": "110.00",
        },
        format="json",
    )
    assert placed.status_code == 201, placed.json()
    assert placed.json()["discount_amount"] == "10.00"
    assert placed.json()["discounts"][0]["label"] == "满100减10"
