"""Buy again (再次购买): the order's lines go into the cart at today's prices; lines no
longer sold or out of stock are named, and another shopper's order is a 404."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from carts.keys import user_cart_key
from carts.services import cart_clear, cart_lines_raw
from catalog.models import ProductStatus, Sku
from catalog.services import sku_stock_adjust
from catalog.tests.factories import make_product
from orders.services import order_create_from_cart
from orders.tests.conftest import fill_cart

pytestmark = pytest.mark.django_db


def test_buy_again_fills_the_cart_and_names_what_is_no_longer_sold(client, buyer):
    kept = make_product(name="保温杯").skus.get()
    gone = make_product(name="旧款耳机").skus.get()
    empty = make_product(name="限量茶具").skus.get()
    fill_cart(buyer, (kept, 2), (gone, 1), (empty, 1))
    order, _ = order_create_from_cart(user=buyer, address_id=buyer.address.pk)
    cart_clear(key=user_cart_key(buyer.pk))
    gone.product.status = ProductStatus.OFF_SALE
    gone.product.save(update_fields=["status"])
    sku_stock_adjust(sku_id=empty.pk, delta=-Sku.objects.get(pk=empty.pk).stock)
    client.force_login(buyer)
    response = client.post(reverse("orders:buy_again", args=[order.order_no]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("carts:cart")
    html = response.content.decode()
    assert "旧款耳机" in html and "限量茶具" in html and "No longer sold" in html
    assert cart_lines_raw(key=user_cart_key(buyer.pk)).keys() == {kept.pk}
    assert cart_lines_raw(key=user_cart_key(buyer.pk))[kept.pk]["quantity"] == 2
    other = UserFactory()
    client.force_login(other)
    assert client.post(reverse("orders:buy_again", args=[order.order_no])).status_code == 404
    assert cart_lines_raw(key=user_cart_key(other.pk)) == {}
