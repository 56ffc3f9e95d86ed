from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import services
from catalog.models import ProductStatus
from catalog.tests.factories import image_upload, make_category, make_product

pytestmark = pytest.mark.django_db


def test_home_shows_hot_new_and_category_entry_points(client):
    tech = make_category("Tech", slug="tech")
    make_product(name="Hot Gadget", category=tech, is_hot=True)
    make_product(name="Fresh Thing", category=tech)
    html = client.get(reverse("home")).content.decode()
    assert "Hot products" in html
    assert "Hot Gadget" in html
    assert "New arrivals" in html
    assert "Fresh Thing" in html
    assert 'href="/category/tech/"' in html  # header menu and entry points


def test_category_page_filters_sorts_and_paginates_without_js(client):
    shoes = make_category("Shoes", slug="shoes")
    for n in range(30):
        make_product(
            name=f"Shoe {n:02d}",
            category=shoes,
            skus=[{"attributes": {"colour": "red"}, "price": Decimal(100 + n)}],
        )
    response = client.get("/category/shoes/", {"sort": "-price", "max_price": "125"})
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["data"]["count"] == 26
    assert html.index("Shoe 25") < html.index("Shoe 24")
    assert "Shoe 26" not in html
    # Page links keep the filters.
    assert 'href="?sort=-price&amp;max_price=125&amp;page=2"' in html
    page_two = client.get("/category/shoes/", {"sort": "-price", "max_price": "125", "page": 2})
    assert [c["name"] for c in page_two.context["data"]["results"]] == ["Shoe 01", "Shoe 00"]
    assert '<link rel="canonical" href="http://testserver/category/shoes/">' in html
    assert "<title>Shoes · Kuaimai</title>" in html


def test_bad_filter_shows_a_message_on_the_page(client):
    make_category("Shoes", slug="shoes")
    response = client.get("/category/shoes/", {"min_price": "cheap"})
    assert response.status_code == 200
    assert "Enter a number." in response.content.decode()


def test_unknown_category_is_404(client):
    assert client.get("/category/nowhere/").status_code == 404


def test_search_page(client):
    make_product(name="Jasmine Tea", subtitle="Fragrant green tea")
    make_product(name="Coffee Beans")
    response = client.get(reverse("catalog:search"), {"q": "tea"})
    assert [c["name"] for c in response.context["data"]["results"]] == ["Jasmine Tea"]
    assert "Results for “tea”" in response.content.decode()


def test_product_page(client):
    tech = make_category("Tech", slug="tech")
    product = make_product(
        name="Phone Z",
        slug="phone-z",
        category=tech,
        subtitle="The best phone",
        spec=[{"name": "colour", "values": ["black", "white"]}],
        skus=[
            {"attributes": {"colour": "black"}, "price": Decimal("1999.00"), "stock": 4},
            {"attributes": {"colour": "white"}, "price": Decimal("2099.00"), "stock": 0},
        ],
    )
    services.product_image_add(product=product, file=image_upload(), alt="front view")
    html = client.get("/product/phone-z/").content.decode()
    assert "<title>Phone Z · Kuaimai</title>" in html
    assert '<meta name="description" content="The best phone">' in html
    assert '<link rel="canonical" href="http://testserver/product/phone-z/">' in html
    assert '<a href="/category/tech/">Tech</a>' in html  # breadcrumbs
    assert "¥1,999.00" in html and "¥2,099.00" in html
    assert "4 in stock" in html and "Sold out" in html
    assert 'alt="front view"' in html
    assert "¥1,999.00 – ¥2,099.00" in html


@pytest.mark.parametrize("status", [ProductStatus.DRAFT, ProductStatus.OFF_SALE])
def test_unsold_product_page_is_404(client, status):
    make_product(slug="secret", status=status)
    assert client.get("/product/secret/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_price_change_shows_on_the_page_at_once(client):
    product = make_product(slug="lamp", name="Lamp")
    assert "¥100.00" in client.get("/product/lamp/").content.decode()
    services.sku_update(sku=product.skus.get(), data={"price": Decimal("77.00")})
    html = client.get("/product/lamp/").content.decode()
    assert "¥77.00" in html and "¥100.00" not in html
    assert "¥77.00" in client.get(reverse("home")).content.decode()


def test_category_page_query_count_is_constant(client):
    shoes = make_category("Shoes", slug="shoes")
    counts = []
    for batch in (3, 20):
        for _ in range(batch):
            product = make_product(category=shoes)
            services.product_image_add(product=product, file=image_upload())
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            client.get("/category/shoes/")
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 9


@pytest.mark.parametrize("page", ["999", "abc", "²", "-1"])
def test_listing_page_past_the_end_or_junk_shows_products(client, page):
    category = make_category("Lamps", slug="lamps")
    make_product(category=category, name="Desk Lamp")
    response = client.get("/category/lamps/", {"page": page})
    assert response.status_code == 200
    assert "Desk Lamp" in response.content.decode()
    assert response.context["data"]["page"] == 1


def test_filter_errors_show_beside_fields_and_valid_filters_still_apply(client):
    category = make_category("Cups", slug="cups")
    make_product(
        category=category, name="Cheap Cup", skus=[{"attributes": {"colour": "red"}, "price": 5}]
    )
    make_product(
        category=category, name="Fancy Cup", skus=[{"attributes": {"colour": "red"}, "price": 500}]
    )
    response = client.get("/category/cups/", {"max_price": "100", "min_price": "abc"})
    html = response.content.decode()
    assert response.context["errors"] == {"min_price": ["Enter a number."]}
    assert "Cheap Cup" in html and "Fancy Cup" not in html
    assert 'id="err-min_price"' in html


def test_brand_filter_offers_only_brands_in_the_category_subtree(client):
    from catalog.models import Brand

    phones = make_category("Phones", slug="phones")
    android = make_category("Android", slug="android", parent=phones)
    tea = make_category("Tea", slug="tea")
    make_product(category=android, brand=Brand.objects.create(name="Huawei"))
    make_product(category=tea, brand=Brand.objects.create(name="Lipton"))
    brands = [b["name"] for b in client.get("/category/phones/").context["brands"]]
    assert brands == ["Huawei"]
