from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD, UserFactory
from carts.keys import user_cart_key
from carts.selectors import cart_view
from catalog.tests.factories import make_product
from delivery.tests.factories import set_default_shipping

pytestmark = pytest.mark.django_db


def test_guest_adds_from_the_product_page_and_keeps_the_cart_after_login(client):
    product = make_product(slug="mug", name="Mug")
    sku = product.skus.get()
    response = client.post(
        reverse("carts:add"), {"sku": sku.pk, "quantity": 2, "next": "/product/mug/"}
    )
    # Back to the product, the choice in the query for the page to keep it chosen.
    assert response["Location"] == f"/product/mug/?sku={sku.pk}&qty=2"
    page = client.get(reverse("carts:cart"))
    assert "Mug" in page.content.decode()
    assert page.context["cart"]["count"] == 2
    assert "data-cart-count>2<" in client.get("/product/mug/").content.decode()

    user = UserFactory(username="buyer")
    client.post(reverse("accounts:login"), {"identifier": "buyer", "password": PASSWORD})
    assert [
        (line["sku_id"], line["quantity"])
        for line in cart_view(key=user_cart_key(user.pk))["lines"]
    ] == [(sku.pk, 2)]


def test_stepper_remove_and_errors_on_the_page(client):
    sku = make_product(skus=[{"attributes": {"colour": "red"}, "stock": 3}]).skus.get()
    client.post(reverse("carts:add"), {"sku": sku.pk, "quantity": 1})
    client.post(reverse("carts:update"), {"sku": sku.pk, "quantity": 3})
    assert client.get(reverse("carts:cart")).context["cart"]["count"] == 3
    too_many = client.post(reverse("carts:update"), {"sku": sku.pk, "quantity": 4}, follow=True)
    assert "Only 3 left in stock." in too_many.content.decode()
    junk = client.post(reverse("carts:add"), {"sku": "x"}, follow=True)
    assert "Choose an item and a whole-number quantity." in junk.content.decode()
    client.post(reverse("carts:remove"), {"sku": sku.pk})
    assert client.get(reverse("carts:cart")).context["cart"]["lines"] == []


def test_cart_controls_need_post(client):
    assert client.get(reverse("carts:add")).status_code == 405


@pytest.mark.parametrize("quantity", ["0", "-1"])
def test_adding_zero_or_negative_is_refused_with_the_same_message(client, quantity):
    sku = make_product().skus.get()
    response = client.post(reverse("carts:add"), {"sku": sku.pk, "quantity": quantity}, follow=True)
    assert "Choose a quantity between 1 and 99." in response.content.decode()
    assert response.context["cart"]["count"] == 0


def test_lines_show_their_subtotal_and_the_summary_what_free_shipping_lacks(client, settings):
    set_default_shipping(fee="10.00", free_over_amount="99.00")
    sku = make_product(skus=[{"attributes": {"colour": "red"}, "price": Decimal("30.50")}])
    sku = sku.skus.get()
    client.post(reverse("carts:add"), {"sku": sku.pk, "quantity": 2})
    page = client.get(reverse("carts:cart")).content.decode()
    assert "Subtotal ¥61.00" in page
    assert "Add ¥38.00 more for free shipping" in page
    client.post(reverse("carts:update"), {"sku": sku.pk, "quantity": 4})  # ¥122.00: free
    page = client.get(reverse("carts:cart")).content.decode()
    assert "Subtotal ¥122.00" in page and "more for free shipping" not in page


def test_the_free_shipping_hint_is_chinese_for_a_chinese_shopper(client, settings):
    sku = make_product(skus=[{"attributes": {"colour": "red"}, "price": Decimal("59")}])
    client.post(reverse("carts:add"), {"sku": sku.skus.get().pk, "quantity": 1})
    page = client.get(reverse("carts:cart"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "再买 ¥40.00 即可免运费" in page and "小计 ¥59.00" in page
