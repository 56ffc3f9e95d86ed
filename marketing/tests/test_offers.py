"""Product cards and pages show the offers exactly: a limited-time price from its first
second to its last whatever the caches hold, the promotions a product counts toward, the
coupons that apply to it."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.tests.factories import make_product
from marketing.tests.factories import make_limited_time, make_template, make_tiers

pytestmark = pytest.mark.django_db


def _product(price="80.00"):
    return make_product(skus=[{"price": Decimal(price), "stock": 20}], spec=[])


def test_the_product_page_shows_the_sale_price_and_drops_it_at_the_end(client):
    product = _product()
    sku = product.skus.get()
    make_limited_time(product, price="50.00", ends_at=timezone.now() + timedelta(seconds=2))
    page = client.get(reverse("catalog:product", args=[product.slug])).content.decode()
    assert 'data-price="¥50.00"' in page
    assert '<s class="list-price">¥80.00</s>' in page
    assert "data-ends-at=" in page
    api = client.get(reverse("api-product", args=[product.pk])).json()
    assert api["offer"]["sale_min_price"] == "50.00"
    assert [s["sale_price"] for s in api["skus"] if s["id"] == sku.pk] == ["50.00"]
    time.sleep(2.1)  # nothing invalidated: the end alone changes the keys
    page = client.get(reverse("catalog:product", args=[product.slug])).content.decode()
    assert 'data-price="¥80.00"' in page
    assert "list-price" not in page
    assert client.get(reverse("api-product", args=[product.pk])).json()["offer"] is None


def test_a_sale_yet_to_start_shows_from_its_second(client):
    product = _product()
    starts = timezone.now() + timedelta(seconds=1.5)
    make_limited_time(product, price_percent="50", starts_at=starts)
    url = reverse("catalog:product", args=[product.slug])
    assert 'data-price="¥80.00"' in client.get(url).content.decode()
    time.sleep(1.6)
    assert 'data-price="¥40.00"' in client.get(url).content.decode()


def test_cards_show_the_promotions_and_coupons_that_apply(client):
    product = _product()
    other = _product()
    make_tiers(("199", "30"), name="双12满减", products=[product], scope="products")
    template = make_template(name="满100减10券", scope="products")
    template.products.set([product])
    from marketing.services import promotions_changed

    promotions_changed()
    api = client.get(reverse("api-products")).json()["results"]
    offers = {card["id"]: card["offer"] for card in api}
    assert offers[other.pk] is None
    assert [t["name"] for t in offers[product.pk]["tags"]] == ["双12满减"]
    assert offers[product.pk]["tags"][0]["text"] == "¥30 off orders of ¥199"
    assert [c["name"] for c in offers[product.pk]["coupons"]] == ["满100减10券"]
    page = client.get(reverse("catalog:product", args=[product.slug])).content.decode()
    assert reverse("marketing:claim", args=[template.pk]) in page


def test_a_guest_claiming_from_the_product_page_is_sent_to_log_in(client):
    template = make_template()
    response = client.post(reverse("marketing:claim", args=[template.pk]), {"next": "/"})
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_lists_sort_and_filter_by_the_price_the_cards_show(client):
    """A: 100 and 120, the 120 one at 50 % (60 now); B: 70; C: 90, a "sale" at 95 that is no
    sale; D: 85 at 90 % (76.50). By the usual lowest price the order would be B D C A."""
    a = make_product(
        skus=[
            {"price": Decimal("100.00"), "attributes": {"size": "S"}},
            {"price": Decimal("120.00"), "attributes": {"size": "L"}},
        ],
        spec=[{"name": "size", "values": ["S", "L"]}],
    )
    b, c, d = _product("70.00"), _product("90.00"), _product("85.00")
    make_limited_time(a, price_percent="50", sku=a.skus.get(price=Decimal("120.00")))
    make_limited_time(c, price="95.00")
    make_limited_time(d, price_percent="90")

    def names(**query):
        results = client.get(reverse("api-products"), query).json()["results"]
        shown = {
            p["id"]: (p["offer"] or {}).get("sale_min_price") or p["min_price"] for p in results
        }
        return [p["id"] for p in results], shown

    order, shown = names(sort="price")
    assert order == [a.pk, b.pk, d.pk, c.pk]
    assert [shown[i] for i in order] == ["60.00", "70.00", "76.50", "90.00"]
    assert names(sort="-price")[0] == [c.pk, d.pk, b.pk, a.pk]
    assert names(max_price="75")[0] == [b.pk, a.pk]  # newest first, as the list defaults
    assert sorted(names(min_price="75", max_price="80")[0]) == [d.pk]
    page = client.get(reverse("catalog:search"), {"sort": "price"}).content.decode()
    places = [page.index(f'href="{p.get_absolute_url()}"') for p in (a, b, d, c)]
    assert places == sorted(places)


def test_a_promotion_is_named_in_the_readers_language_whoever_filled_the_cache(client):
    """The rules are cached once for every language: a Chinese reader filling the cache
    leaves the English one reading the English name, on cards and in the cart's quote."""
    from accounts.tests.factories import UserFactory
    from orders.tests.conftest import fill_cart

    product = _product("120.00")
    make_tiers(("100", "20"), name="双12满减", name_en="Double 12", products=[product])
    tags = {}
    for language in ("zh-hans", "en"):
        api = client.get(reverse("api-product", args=[product.pk]), HTTP_ACCEPT_LANGUAGE=language)
        tags[language] = [t["name"] for t in api.json()["offer"]["tags"]]
    assert tags == {"zh-hans": ["双12满减"], "en": ["Double 12"]}
    shopper = UserFactory()
    fill_cart(shopper, (product.skus.get(), 1))
    client.force_login(shopper)
    cart = client.get(reverse("carts:cart"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Double 12" in cart and "双12满减" not in cart


def test_the_cart_and_checkout_lines_cost_their_sale_price_times_the_quantity(client):
    """¥80 at ¥50 × 2: the line says ¥100.00 with ¥160.00 struck through; a 满减 on top
    (满100减20) is what "after discounts" then shows."""
    from accounts.tests.factories import AddressFactory, UserFactory
    from orders.tests.conftest import fill_cart

    product = _product("80.00")
    make_limited_time(product, price="50.00")
    shopper = UserFactory()
    AddressFactory(user=shopper)
    fill_cart(shopper, (product.skus.get(), 2))
    client.force_login(shopper)
    for url in (reverse("carts:cart"), reverse("orders:checkout")):
        page = client.get(url).content.decode()
        assert '<del class="muted">¥160.00</del>' in page, url
        assert "After discounts" not in page, url
    assert "Subtotal ¥100.00" in client.get(reverse("carts:cart")).content.decode()
    make_tiers(("100", "20"), name_en="Spend ¥100, save ¥20", products=[product])
    for url in (reverse("carts:cart"), reverse("orders:checkout")):
        assert "After discounts ¥80.00" in client.get(url).content.decode(), url
