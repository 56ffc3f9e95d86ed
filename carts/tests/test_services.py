from decimal import Decimal

import pytest

from carts import services
from carts.errors import CartFull, ExceedsStock, LineNotInCart, QuantityInvalid, SkuUnavailable
from carts.keys import user_cart_key
from carts.selectors import cart_count, cart_view
from catalog import services as catalog_services
from catalog.models import ProductStatus
from catalog.tests.factories import make_product
from config.redis import get_redis

pytestmark = pytest.mark.django_db

KEY = "cart:u:test"


def sku_of(**kwargs):
    return make_product(**kwargs).skus.get()


def test_add_accumulates_and_refreshes_ttl(settings):
    sku = sku_of()
    assert services.cart_add(key=KEY, sku_id=sku.pk, quantity=2) == 2
    assert services.cart_add(key=KEY, sku_id=sku.pk, quantity=3) == 5
    assert 0 < get_redis().ttl(KEY) <= settings.CART_TTL_SECONDS
    view = cart_view(key=KEY)
    assert [(line["sku_id"], line["quantity"]) for line in view["lines"]] == [(sku.pk, 5)]
    assert view["items_amount"] == Decimal("500.00")
    assert view["shipping_fee"] == Decimal("0.00")  # over the free-shipping threshold
    assert cart_count(key=KEY) == 5


@pytest.mark.parametrize("quantity", [0, -1, 100])
def test_bad_quantity_changes_nothing(quantity):
    sku = sku_of()
    services.cart_add(key=KEY, sku_id=sku.pk, quantity=1)
    with pytest.raises(QuantityInvalid) as caught:
        services.cart_add(key=KEY, sku_id=sku.pk, quantity=quantity)
    assert caught.value.errors == {"quantity": ["Choose a quantity between 1 and 99."]}
    assert cart_count(key=KEY) == 1


def test_more_than_in_stock_is_refused_and_nothing_changes():
    sku = sku_of(skus=[{"attributes": {"colour": "red"}, "stock": 3}])
    services.cart_add(key=KEY, sku_id=sku.pk, quantity=2)
    with pytest.raises(ExceedsStock) as caught:
        services.cart_add(key=KEY, sku_id=sku.pk, quantity=2)
    assert caught.value.message == "Only 3 left in stock."
    assert cart_count(key=KEY) == 2


def test_unknown_and_off_sale_skus_are_refused():
    with pytest.raises(SkuUnavailable):
        services.cart_add(key=KEY, sku_id=999999, quantity=1)
    off = sku_of(status=ProductStatus.OFF_SALE)
    with pytest.raises(SkuUnavailable):
        services.cart_add(key=KEY, sku_id=off.pk, quantity=1)
    assert cart_count(key=KEY) == 0


def test_cart_line_limit(settings):
    settings.CART_MAX_LINES = 2
    skus = [sku_of() for _ in range(3)]
    for sku in skus[:2]:
        services.cart_add(key=KEY, sku_id=sku.pk, quantity=1)
    with pytest.raises(CartFull):
        services.cart_add(key=KEY, sku_id=skus[2].pk, quantity=1)


def test_set_quantity_remove_select_and_clear():
    first, second = sku_of(), sku_of()
    for sku in (first, second):
        services.cart_add(key=KEY, sku_id=sku.pk, quantity=1)
    services.cart_set_quantity(key=KEY, sku_id=first.pk, quantity=4)
    with pytest.raises(LineNotInCart):
        services.cart_set_quantity(key=KEY, sku_id=999999, quantity=1)
    services.cart_select(key=KEY, selected=False, sku_ids=[second.pk])
    view = cart_view(key=KEY)
    assert view["selected_count"] == 4
    assert view["items_amount"] == Decimal("400.00")
    services.cart_remove(key=KEY, sku_ids=[first.pk])
    assert [line["sku_id"] for line in cart_view(key=KEY)["lines"]] == [second.pk]
    services.cart_select(key=KEY, selected=True)
    assert cart_view(key=KEY)["selected_count"] == 1
    services.cart_clear(key=KEY)
    assert cart_view(key=KEY)["lines"] == []


def test_off_sale_or_sold_out_lines_stay_flagged_not_dropped():
    gone = sku_of()
    empty = sku_of(skus=[{"attributes": {"colour": "red"}, "stock": 2}])
    short = sku_of(skus=[{"attributes": {"colour": "red"}, "stock": 5}])
    services.cart_add(key=KEY, sku_id=gone.pk, quantity=1)
    services.cart_add(key=KEY, sku_id=empty.pk, quantity=2)
    services.cart_add(key=KEY, sku_id=short.pk, quantity=4)
    catalog_services.product_set_status(
        product_ids=[gone.product_id], status=ProductStatus.OFF_SALE
    )
    catalog_services.sku_stock_count(sku_id=empty.pk, counted=0, expected=empty.stock)
    catalog_services.sku_stock_count(sku_id=short.pk, counted=3, expected=short.stock)
    issues = {line["sku_id"]: line["issue"] for line in cart_view(key=KEY)["lines"]}
    assert issues == {gone.pk: "off_sale", empty.pk: "out_of_stock", short.pk: "insufficient_stock"}
    view = cart_view(key=KEY)
    assert view["items_amount"] == Decimal("0.00")  # flagged lines are not counted
    assert view["has_issues"] is True


def test_price_change_is_reported():
    sku = sku_of()
    services.cart_add(key=KEY, sku_id=sku.pk, quantity=1)
    catalog_services.sku_update(sku=sku, data={"price": Decimal("120.00")})
    line = cart_view(key=KEY)["lines"][0]
    assert (line["price_when_added"], line["unit_price"], line["price_changed"]) == (
        Decimal("100.00"),
        Decimal("120.00"),
        True,
    )


def test_merge_adds_quantities_capped_by_stock_and_maximum(settings):
    settings.CART_LINE_MAX_QUANTITY = 10
    plenty = sku_of(skus=[{"attributes": {"colour": "red"}, "stock": 50}])
    scarce = sku_of(skus=[{"attributes": {"colour": "red"}, "stock": 4}])
    only_guest = sku_of()
    guest, user = "cart:g:abc", user_cart_key(1)
    services.cart_add(key=guest, sku_id=plenty.pk, quantity=6)
    services.cart_add(key=guest, sku_id=scarce.pk, quantity=3)
    services.cart_add(key=guest, sku_id=only_guest.pk, quantity=1)
    services.cart_add(key=user, sku_id=plenty.pk, quantity=7)
    services.cart_add(key=user, sku_id=scarce.pk, quantity=2)
    services.cart_merge(source_key=guest, target_key=user)
    quantities = {line["sku_id"]: line["quantity"] for line in cart_view(key=user)["lines"]}
    assert quantities == {plenty.pk: 10, scarce.pk: 4, only_guest.pk: 1}
    assert not get_redis().exists(guest)


def test_cart_view_query_count_is_constant(django_assert_max_num_queries):
    for _ in range(12):
        services.cart_add(key=KEY, sku_id=sku_of().pk, quantity=1)
    cart_view(key=KEY)  # the promotions' rules are read once and cached (marketing)
    with django_assert_max_num_queries(2):
        assert len(cart_view(key=KEY)["lines"]) == 12
