import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import services
from catalog.models import ProductStatus, Sku
from catalog.tests.factories import image_upload, make_category, make_product

pytestmark = pytest.mark.django_db


def test_category_tree(api_client):
    root = make_category("Fashion", slug="fashion")
    make_category("Shoes", slug="shoes", parent=root, sort_order=2)
    make_category("Tops", slug="tops", parent=root, sort_order=1)
    make_category("Hidden", slug="hidden", parent=root, is_active=False)
    body = api_client.get(reverse("api-categories")).json()
    assert [(n["slug"], [c["slug"] for c in n["children"]]) for n in body] == [
        ("fashion", ["tops", "shoes"])
    ]
    assert body[0]["url"] == "/category/fashion/"


def test_product_list_shape_and_links(api_client):
    category = make_category()
    for n in range(3):
        make_product(name=f"Item {n}", category=category)
    response = api_client.get(reverse("api-products"), {"page_size": 2, "sort": "newest"})
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 3
    assert body["previous"] is None
    assert body["next"].endswith("page_size=2&sort=newest&page=2")
    card = body["results"][0]
    assert card["name"] == "Item 2"
    assert card["min_price"] == "100.00"
    assert set(card) == {
        "id",
        "name",
        "slug",
        "subtitle",
        "url",
        "image",
        "brand",
        "category",
        "min_price",
        "max_price",
        "sales_count",
        "is_hot",
        "is_recommended",
        "offer",
    }
    second = api_client.get(body["next"]).json()
    assert [c["name"] for c in second["results"]] == ["Item 0"]


def test_product_list_validation_errors(api_client):
    response = api_client.get(reverse("api-products"), {"min_price": "x", "page": "0"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "page": ["Ensure this value is greater than or equal to 1."],
        "min_price": ["A valid number is required."],
    }
    response = api_client.get(reverse("api-products"), {"min_price": "9", "max_price": "1"})
    assert response.json() == {
        "code": 400,
        "message": "Invalid input.",
        "errors": {"max_price": ["The highest price must not be below the lowest."]},
    }


def test_product_list_query_count_does_not_grow_with_page_size(
    api_client, django_assert_max_num_queries
):
    category = make_category()
    for _ in range(30):
        product = make_product(category=category, brand=services.brand_get_or_create(name="B"))
        services.product_image_add(product=product, file=image_upload())
    counts = []
    for size in (5, 30):
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = api_client.get(reverse("api-products"), {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    # category check, count, page, images; the promotions' and the coupons' rules (read once
    # and cached: the cache was just cleared)
    with django_assert_max_num_queries(6):
        cache.clear()
        api_client.get(reverse("api-products"), {"page_size": 30, "category": category.slug})


def test_cached_list_makes_no_queries(api_client, django_assert_num_queries):
    make_product()
    api_client.get(reverse("api-products"))
    with django_assert_num_queries(0):
        api_client.get(reverse("api-products"))


def test_product_detail(api_client):
    phones = make_category("Phones", slug="phones", parent=make_category("Tech", slug="tech"))
    product = make_product(
        name="Phone X",
        category=phones,
        spec=[{"name": "colour", "values": ["black", "white"]}],
        skus=[
            {"attributes": {"colour": "black"}, "price": Decimal("10"), "stock": 3},
            {"attributes": {"colour": "white"}, "price": Decimal("12"), "stock": 0},
        ],
        description='<p onclick="steal()">Fast <script>alert(1)</script><b>phone</b></p>',
    )
    services.product_image_add(product=product, file=image_upload(), alt="front")
    body = api_client.get(reverse("api-product", args=[product.pk])).json()
    assert body["name"] == "Phone X"
    assert body["spec"] == [  # no translation given: the labels are the spec's own
        {
            "name": "colour",
            "values": ["black", "white"],
            "label": "colour",
            "value_labels": ["black", "white"],
        }
    ]
    assert [(s["attributes"], s["price"], s["stock"]) for s in body["skus"]] == [
        ({"colour": "black"}, "10.00", 3),
        ({"colour": "white"}, "12.00", 0),
    ]
    assert body["in_stock"] is True
    assert body["images"][0]["alt"] == "front"
    assert body["images"][0]["thumbnail"].endswith(".webp")
    assert body["breadcrumbs"] == [
        {"name": "Tech", "url": "/category/tech/"},
        {"name": "Phones", "url": "/category/phones/"},
    ]
    assert body["description"] == "<p>Fast <b>phone</b></p>"


@pytest.mark.parametrize("status", [ProductStatus.DRAFT, ProductStatus.OFF_SALE])
def test_unsold_product_is_404_with_business_code(api_client, status):
    product = make_product(status=status)
    response = api_client.get(reverse("api-product", args=[product.pk]))
    assert response.status_code == 404
    assert response.json()["code"] == 20001


@pytest.mark.django_db(transaction=True)  # invalidation runs when the write commits
def test_price_change_shows_on_the_next_request(api_client):
    product = make_product()
    detail = reverse("api-product", args=[product.pk])
    assert api_client.get(detail).json()["skus"][0]["price"] == "100.00"
    assert api_client.get(reverse("api-products")).json()["results"][0]["min_price"] == "100.00"
    services.sku_update(sku=product.skus.get(), data={"price": Decimal("88.00")})
    assert api_client.get(detail).json()["skus"][0]["price"] == "88.00"
    assert api_client.get(reverse("api-products")).json()["results"][0]["min_price"] == "88.00"


def test_stock_is_fresh_within_seconds_even_without_invalidation(api_client, settings):
    settings.CATALOG_STOCK_CACHE_SECONDS = 1
    product = make_product()
    detail = reverse("api-product", args=[product.pk])
    assert api_client.get(detail).json()["skus"][0]["stock"] == 10
    # An order takes stock with a conditional UPDATE and no cache bump.
    Sku.objects.filter(product=product).update(stock=0)
    time.sleep(1.1)
    body = api_client.get(detail).json()
    assert body["skus"][0]["stock"] == 0
    assert body["in_stock"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [({"sort": ""}, "sort"), ({"sort": "cheapest"}, "sort"), ({"brand": ""}, "brand")],
)
def test_product_list_refuses_values_outside_the_schema(api_client, params, field):
    response = api_client.get(reverse("api-products"), params)
    assert response.status_code == 400
    assert field in response.json()["errors"]
