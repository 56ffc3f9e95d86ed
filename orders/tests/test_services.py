import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import AddressFactory, UserFactory
from carts.keys import user_cart_key
from carts.selectors import cart_view
from catalog import services as catalog_services
from catalog.models import Product, Sku
from catalog.tests.factories import make_product
from config.testing import run_concurrently
from delivery.tests.factories import set_default_shipping
from orders import services
from orders.errors import (
    IllegalTransition,
    ItemUnavailable,
    NothingToCheckOut,
    OutOfStock,
    PriceChanged,
)
from orders.models import ActorType, Message, Order, OrderEvent, OrderStatus
from orders.services import checkout
from orders.tests.conftest import fill_cart, place_order

pytestmark = pytest.mark.django_db
S = OrderStatus


def stock(sku) -> int:
    return Sku.objects.get(pk=sku.pk).stock


def test_checkout_takes_stock_snapshots_and_empties_the_purchased_lines(
    buyer, django_capture_on_commit_callbacks
):
    product = make_product(
        name="Teapot",
        spec=[{"name": "size", "values": ["S", "L"]}],
        skus=[
            {"attributes": {"size": "S"}, "price": Decimal("40.00"), "stock": 9},
            {"attributes": {"size": "L"}, "price": Decimal("55.50"), "stock": 9},
        ],
    )
    small, large = product.skus.order_by("pk")
    other = make_product().skus.get()
    fill_cart(buyer, (small, 2), (large, 1), (other, 1))
    from carts.services import cart_select

    cart_select(key=user_cart_key(buyer.pk), selected=False, sku_ids=[other.pk])
    with django_capture_on_commit_callbacks(execute=True):
        order, created = services.order_create_from_cart(
            user=buyer, address_id=buyer.address.pk, remark=" ring twice "
        )
    assert created
    assert (order.items_amount, order.shipping_fee, order.total_amount) == (
        Decimal("135.50"),
        Decimal("0.00"),
        Decimal("135.50"),
    )
    assert order.remark == "ring twice"
    assert (order.receiver_name, order.detail) == (buyer.address.receiver, buyer.address.detail)
    assert [
        (i.product_name, i.sku_attributes, i.unit_price, i.quantity)
        for i in order.items.order_by("pk")
    ] == [
        ("Teapot", {"size": "S"}, Decimal("40.00"), 2),
        ("Teapot", {"size": "L"}, Decimal("55.50"), 1),
    ]
    assert (stock(small), stock(large), stock(other)) == (7, 8, 10)
    assert len(order.order_no) == 22 and order.order_no[:8] == timezone.localtime().strftime(
        "%Y%m%d"
    )
    assert list(order.events.values_list("from_status", "to_status")) == [("", S.PENDING_PAYMENT)]
    # Only the purchased lines left the cart; the shopper was told.
    assert [line["sku_id"] for line in cart_view(key=user_cart_key(buyer.pk))["lines"]] == [
        other.pk
    ]
    assert mail.outbox[0].subject.startswith(f"Order {order.order_no} placed")
    assert Message.objects.filter(user=buyer, order=order).count() == 1


def test_an_item_keeps_its_options_as_the_shopper_read_them(buyer):
    from django.utils import translation

    spec = [{"name": "颜色", "values": ["黑色"], "name_en": "Colour", "values_en": ["Black"]}]
    sku = make_product(spec=spec, skus=[{"attributes": {"颜色": "黑色"}}]).skus.get()
    with translation.override("en"):
        item = place_order(buyer, sku).items.get()
    assert item.sku_attributes == {"颜色": "黑色"}  # the spec's own keys, for matching
    with translation.override("zh-hans"):
        assert item.options_label == "Black"  # what the shopper saw, in any language after
    with translation.override("zh-hans"):
        assert place_order(buyer, sku).items.get().options_label == "黑色"


def test_address_snapshot_survives_address_edits(buyer):
    order = place_order(buyer)
    buyer.address.detail = "Moved away"
    buyer.address.save()
    order.refresh_from_db()
    assert order.detail != "Moved away"


def test_shipping_fee_below_threshold(buyer, settings):
    set_default_shipping(free_over_amount="200.00")
    order = place_order(buyer)
    assert (order.shipping_fee, order.total_amount) == (Decimal("10.00"), Decimal("110.00"))


def test_shortfall_aborts_the_whole_order_and_names_the_sku(buyer):
    plenty = make_product(name="Plenty").skus.get()
    scarce = make_product(
        name="Scarce", skus=[{"attributes": {"colour": "red"}, "stock": 2}]
    ).skus.get()
    fill_cart(buyer, (plenty, 1), (scarce, 2))
    catalog_services.sku_stock_adjust(sku_id=scarce.pk, delta=-1)  # someone bought one meanwhile
    with pytest.raises(OutOfStock) as caught:
        services.order_create_from_cart(user=buyer, address_id=buyer.address.pk)
    assert "Scarce" in caught.value.message
    assert caught.value.errors == {"sku_id": [str(scarce.pk)]}
    assert (stock(plenty), stock(scarce), Order.objects.count()) == (10, 1, 0)


def test_stock_taken_between_review_and_submit_rolls_back(buyer, monkeypatch):
    first = make_product(name="First").skus.get()
    second = make_product(
        name="Second", skus=[{"attributes": {"colour": "red"}, "stock": 1}]
    ).skus.get()
    fill_cart(buyer, (first, 2), (second, 1))
    real = services.checkout_lines

    def review_then_lose_race(*, user, **kwargs):
        lines = real(user=user, **kwargs)
        Sku.objects.filter(pk=second.pk).update(stock=0)  # a concurrent buyer wins
        return lines

    monkeypatch.setattr(checkout, "checkout_lines", review_then_lose_race)
    with pytest.raises(OutOfStock) as caught:
        services.order_create_from_cart(user=buyer, address_id=buyer.address.pk)
    assert "Second" in caught.value.message
    assert stock(first) == 10  # its take was rolled back with the order
    assert Order.objects.count() == 0


def test_nothing_selected_or_unavailable_lines(buyer):
    with pytest.raises(NothingToCheckOut):
        services.order_create_from_cart(user=buyer, address_id=buyer.address.pk)
    gone = make_product()
    fill_cart(buyer, (gone.skus.get(), 1))
    catalog_services.product_set_status(product_ids=[gone.pk], status="off_sale")
    with pytest.raises(ItemUnavailable):
        services.order_create_from_cart(user=buyer, address_id=buyer.address.pk)


def test_foreign_address_is_a_field_error(buyer):
    from django.core.exceptions import ValidationError

    fill_cart(buyer, (make_product().skus.get(), 1))
    with pytest.raises(ValidationError) as caught:
        services.order_create_from_cart(user=buyer, address_id=AddressFactory().pk)
    assert caught.value.message_dict == {"address_id": ["Choose one of your addresses."]}


def test_price_change_between_cart_and_checkout(buyer):
    sku = make_product().skus.get()
    fill_cart(buyer, (sku, 1))
    catalog_services.sku_update(sku=sku, data={"price": Decimal("120.00")})
    review = services.checkout_lines(user=buyer)
    assert [(line["price_when_added"], line["unit_price"]) for line in review["price_changes"]] == [
        (Decimal("100.00"), Decimal("120.00"))
    ]
    # The shopper reviewed 100.00; the order at 120.00 is refused rather than charged.
    with pytest.raises(PriceChanged) as caught:
        services.order_create_from_cart(
            user=buyer, address_id=buyer.address.pk, expected_total=Decimal("100.00")
        )
    assert caught.value.errors == {"expected_total": ["120.00"]}
    assert stock(sku) == 10
    order, _ = services.order_create_from_cart(
        user=buyer, address_id=buyer.address.pk, expected_total=review["total"]
    )
    assert order.total_amount == Decimal("120.00")


def test_same_idempotency_key_returns_the_same_order(buyer):
    sku = make_product().skus.get()
    first = place_order(buyer, sku, 1, idempotency_key="k-1")
    fill_cart(buyer, (sku, 1))
    again, created = services.order_create_from_cart(
        user=buyer, address_id=buyer.address.pk, idempotency_key="k-1"
    )
    assert (again.pk, created) == (first.pk, False)
    assert Order.objects.count() == 1 and stock(sku) == 9


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_makes_one_order():
    buyer = UserFactory()
    address = AddressFactory(user=buyer)
    sku = make_product().skus.get()
    fill_cart(buyer, (sku, 2))
    outcomes = run_concurrently(
        lambda: services.order_create_from_cart(
            user=buyer, address_id=address.pk, idempotency_key="double-click"
        ),
        5,
    )
    orders = {outcome[0].pk for outcome in outcomes}
    assert len(orders) == 1
    assert Order.objects.count() == 1
    assert stock(sku) == 8


@pytest.mark.django_db(transaction=True)
def test_twenty_buyers_for_the_last_five_units():
    sku = make_product(skus=[{"attributes": {"colour": "red"}, "stock": 5}]).skus.get()
    buyers = [UserFactory() for _ in range(20)]
    addresses = {b.pk: AddressFactory(user=b).pk for b in buyers}
    for buyer in buyers:
        # Everyone put it in the cart while there was stock.
        fill_cart(buyer, (sku, 1))
    queue = iter(buyers)

    def buy():
        buyer = next(queue)
        return services.order_create_from_cart(user=buyer, address_id=addresses[buyer.pk])

    outcomes = run_concurrently(buy, 20)
    sold = [o for o in outcomes if isinstance(o, tuple)]
    refused = [o for o in outcomes if isinstance(o, OutOfStock)]
    assert (len(sold), len(refused)) == (5, 15)
    assert all(exc.code == 30002 for exc in refused)
    assert stock(sku) == 0
    assert Order.objects.count() == 5


# --- transitions ---------------------------------------------------------------------------


ALL = list(S.values)


@pytest.mark.parametrize(
    ("current", "target"),
    [(a, b) for a, b in itertools.product(ALL, ALL) if b not in services.TRANSITIONS.get(a, ())],
)
def test_every_illegal_transition_is_refused_with_its_code(buyer, current, target):
    order = place_order(buyer)
    Order.objects.filter(pk=order.pk).update(status=current)
    with pytest.raises(IllegalTransition) as caught:
        services.order_transition(order_id=order.pk, to_status=target)
    assert caught.value.code == 30003
    assert Order.objects.get(pk=order.pk).status == current
    assert order.events.count() == 1


def test_lifecycle_pay_ship_confirm_writes_events_and_counts_sales(
    buyer, django_capture_on_commit_callbacks
):
    order = place_order(buyer, quantity=3)
    product = order.items.get().product
    merchant = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.order_mark_paid(
            order_id=order.pk, actor=merchant, actor_type=ActorType.MERCHANT, note="bank transfer"
        )
        services.order_ship(
            order_id=order.pk, carrier="SF Express", tracking_no="SF123", actor=merchant
        )
        services.order_confirm_receipt(order_id=order.pk, user=buyer)
    order.refresh_from_db()
    assert order.status == S.COMPLETED
    assert (order.carrier, order.tracking_no) == ("SF Express", "SF123")
    assert order.paid_at and order.shipped_at and order.completed_at
    assert list(order.events.values_list("from_status", "to_status", "actor_type")) == [
        ("", S.PENDING_PAYMENT, "shopper"),
        (S.PENDING_PAYMENT, S.PAID, "merchant"),
        (S.PAID, S.SHIPPED, "merchant"),
        (S.SHIPPED, S.COMPLETED, "shopper"),
    ]
    assert Product.objects.get(pk=product.pk).sales_count == 3
    subjects = [m.subject for m in mail.outbox]
    assert any("paid" in s for s in subjects) and any(
        "shipped with SF Express" in s for s in subjects
    )


def test_ship_needs_carrier_and_tracking(buyer):
    from django.core.exceptions import ValidationError

    order = place_order(buyer)
    services.order_mark_paid(order_id=order.pk)
    with pytest.raises(ValidationError) as caught:
        services.order_ship(order_id=order.pk, carrier=" ", tracking_no="")
    assert set(caught.value.message_dict) == {"carrier", "tracking_no"}


def test_cancel_returns_stock_once(buyer):
    sku = make_product().skus.get()
    order = place_order(buyer, sku, 4)
    assert stock(sku) == 6
    services.order_cancel(
        order_id=order.pk, actor=buyer, actor_type=ActorType.SHOPPER, reason="oops"
    )
    with pytest.raises(IllegalTransition):
        services.order_cancel(order_id=order.pk, actor=buyer, actor_type=ActorType.SHOPPER)
    assert stock(sku) == 10
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (S.CANCELLED, "oops")


def test_paid_order_cannot_be_cancelled_by_the_shopper(buyer):
    order = place_order(buyer)
    services.order_mark_paid(order_id=order.pk)
    with pytest.raises(IllegalTransition):
        services.order_cancel(order_id=order.pk, actor=buyer, actor_type=ActorType.SHOPPER)


# --- timeouts ------------------------------------------------------------------------------


def _expire(order):
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))


def test_sweep_cancels_only_overdue_unpaid_orders(buyer):
    sku = make_product().skus.get()
    overdue, fresh, paid = (place_order(buyer, sku, 1) for _ in range(3))
    services.order_mark_paid(order_id=paid.pk)
    _expire(overdue)
    _expire(paid)
    assert services.orders_close_overdue() == 1
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {overdue.pk: S.CANCELLED, fresh.pk: S.PENDING_PAYMENT, paid.pk: S.PAID}
    assert stock(sku) == 8
    event = overdue.events.get(to_status=S.CANCELLED)
    assert (event.actor_type, event.note_display) == ("system", "Not paid in time")


def test_countdown_before_the_deadline_does_nothing(buyer):
    order = place_order(buyer)
    assert services.order_close_overdue(order_id=order.pk) is False
    assert Order.objects.get(pk=order.pk).status == S.PENDING_PAYMENT


@pytest.mark.django_db(transaction=True)
def test_sweep_countdown_and_shopper_racing_return_stock_once():
    buyer = UserFactory()
    sku = make_product().skus.get()
    order = place_order(buyer, sku, 3)
    _expire(order)
    racers = iter(
        [
            lambda: services.orders_close_overdue(),
            lambda: services.order_close_overdue(order_id=order.pk),
            lambda: services.order_cancel(
                order_id=order.pk, actor=buyer, actor_type=ActorType.SHOPPER
            ),
            lambda: services.order_close_overdue(order_id=order.pk),
        ]
    )
    outcomes = run_concurrently(lambda: next(racers)(), 4)
    assert stock(sku) == 10  # 3 taken, 3 returned, once
    assert OrderEvent.objects.filter(order=order, to_status=S.CANCELLED).count() == 1
    assert not [
        o for o in outcomes if isinstance(o, Exception) and not isinstance(o, IllegalTransition)
    ]


def test_auto_complete_after_n_days(buyer, settings):
    settings.ORDER_AUTO_COMPLETE_DAYS = 7
    old, recent = place_order(buyer), place_order(buyer)
    for order in (old, recent):
        services.order_mark_paid(order_id=order.pk)
        services.order_ship(order_id=order.pk, carrier="YTO", tracking_no="1")
    Order.objects.filter(pk=old.pk).update(shipped_at=timezone.now() - timedelta(days=8))
    assert services.orders_auto_complete() == 1
    assert Order.objects.get(pk=old.pk).status == S.COMPLETED
    assert Order.objects.get(pk=recent.pk).status == S.SHIPPED


def test_resubmit_that_loses_the_race_after_the_cart_emptied_returns_the_first_order(
    buyer, monkeypatch
):
    sku = make_product().skus.get()
    fill_cart(buyer, (sku, 1))
    real_checkout_lines = services.checkout_lines

    def winner_commits_first(*, user, **kwargs):
        # The other submit with the same key finishes here and its commit empties the cart.
        monkeypatch.setattr(checkout, "checkout_lines", real_checkout_lines)
        services.order_create_from_cart(
            user=user, address_id=buyer.address.pk, idempotency_key="same-click"
        )
        raise NothingToCheckOut()

    monkeypatch.setattr(checkout, "checkout_lines", winner_commits_first)
    order, created = services.order_create_from_cart(
        user=buyer, address_id=buyer.address.pk, idempotency_key="same-click"
    )
    assert created is False
    assert Order.objects.get().pk == order.pk


def test_a_colliding_order_number_is_retried_not_a_500(buyer, monkeypatch):
    sku = make_product(skus=[{"attributes": {"colour": "red"}, "stock": 5}]).skus.get()
    taken = place_order(UserFactory(), sku, 1).order_no
    numbers = iter([taken, "20261122000000" + "12345678"])
    monkeypatch.setattr(checkout, "_new_order_no", lambda: next(numbers))
    fill_cart(buyer, (sku, 2))
    order, created = services.order_create_from_cart(user=buyer, address_id=buyer.address.pk)
    assert created and order.order_no == "2026112200000012345678"
    assert stock(sku) == 2  # taken once, not twice
    assert list(
        sku.movements.filter(reason="order").order_by("pk").values_list("quantity", "reference")
    ) == [(-1, taken), (-2, order.order_no)]
