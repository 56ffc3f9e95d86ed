"""Search ranking and every filter and sort, on PostgreSQL."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog import services
from catalog.models import Product, ProductStatus, Sku
from catalog.selectors import product_list_page
from catalog.tests.factories import make_category, make_product

pytestmark = pytest.mark.django_db


def names(params, **kwargs) -> list[str]:
    return [card["name"] for card in product_list_page(params=params, **kwargs)["results"]]


@pytest.fixture
def shop():
    electronics = make_category("Electronics", slug="electronics")
    phones = make_category("Phones", slug="phones", parent=electronics)
    kitchen = make_category("Kitchen", slug="kitchen")
    lumo = services.brand_get_or_create(name="Lumo")
    other = services.brand_get_or_create(name="Other")
    products = {
        "phone": make_product(
            name="Lumo Phone",
            category=phones,
            brand=lumo,
            skus=[{"attributes": {"colour": "red"}, "price": Decimal("999")}],
        ),
        "case": make_product(
            name="Silicone Case",
            category=phones,
            brand=other,
            description="<p>Protects your phone from drops.</p>",
            skus=[{"attributes": {"colour": "red"}, "price": Decimal("49"), "stock": 0}],
        ),
        "radio": make_product(
            name="Pocket Radio",
            category=electronics,
            brand=lumo,
            skus=[{"attributes": {"colour": "red"}, "price": Decimal("199")}],
        ),
        "kettle": make_product(
            name="Steel Kettle",
            category=kitchen,
            brand=other,
            subtitle="Boils water for tea fast",
            skus=[{"attributes": {"colour": "red"}, "price": Decimal("129")}],
        ),
        "hidden": make_product(name="Draft Phone", category=phones, status=ProductStatus.DRAFT),
    }
    sales = {"phone": 50, "case": 500, "radio": 5, "kettle": 70}
    for key, count in sales.items():
        Product.objects.filter(pk=products[key].pk).update(sales_count=count)
    return products


def test_name_match_ranks_above_description_match(shop):
    assert names({"q": "phone"}) == ["Lumo Phone", "Silicone Case"]


def test_search_stems_words_and_excludes_unsold_products(shop):
    assert names({"q": "phones"}) == ["Lumo Phone", "Silicone Case"]
    assert "Draft Phone" not in names({"q": "draft"})
    assert names({"q": "boils"}) == ["Steel Kettle"]


def test_search_matches_a_substring_of_a_cjk_name(shop):
    make_product(name="无线蓝牙耳机", category=make_category())
    assert names({"q": "蓝牙"}) == ["无线蓝牙耳机"]


def test_category_filter_includes_descendants(shop):
    assert sorted(names({"category": "electronics"})) == [
        "Lumo Phone",
        "Pocket Radio",
        "Silicone Case",
    ]
    assert sorted(names({"category": "phones"})) == ["Lumo Phone", "Silicone Case"]


def test_brand_price_and_stock_filters(shop):
    lumo = shop["phone"].brand_id
    assert sorted(names({"brand": lumo})) == ["Lumo Phone", "Pocket Radio"]
    assert sorted(names({"min_price": "100", "max_price": "200"})) == [
        "Pocket Radio",
        "Steel Kettle",
    ]
    assert "Silicone Case" not in names({"in_stock": "true"})
    assert "Silicone Case" in names({"in_stock": "false"})


def test_each_sort(shop):
    assert names({"sort": "price"}) == [
        "Silicone Case",
        "Steel Kettle",
        "Pocket Radio",
        "Lumo Phone",
    ]
    assert names({"sort": "-price"}) == [
        "Lumo Phone",
        "Pocket Radio",
        "Steel Kettle",
        "Silicone Case",
    ]
    assert names({"sort": "sales"}) == [
        "Silicone Case",
        "Steel Kettle",
        "Lumo Phone",
        "Pocket Radio",
    ]
    assert names({"sort": "newest"}) == [
        "Steel Kettle",
        "Pocket Radio",
        "Silicone Case",
        "Lumo Phone",
    ]


def test_pagination(shop):
    first = product_list_page(params={"sort": "price"}, page=1, page_size=3)
    second = product_list_page(params={"sort": "price"}, page=2, page_size=3)
    assert (first["count"], first["num_pages"]) == (4, 2)
    assert [c["name"] for c in second["results"]] == ["Lumo Phone"]
    # Past the end: the last page, never a count over an empty grid.
    past = product_list_page(params={"sort": "price"}, page=9, page_size=3)
    assert (past["page"], [c["name"] for c in past["results"]]) == (2, ["Lumo Phone"])


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"min_price": "abc"}, {"min_price": ["Enter a number."]}),
        (
            {"min_price": "50", "max_price": "10"},
            {"max_price": ["The highest price must not be below the lowest."]},
        ),
        (
            {"sort": "cheapest"},
            {"sort": ["Select a valid choice. cheapest is not one of the available choices."]},
        ),
        ({"category": "nope"}, {"category": ["Unknown category."]}),
        ({"brand": "0"}, {"brand": ["Ensure this value is greater than or equal to 1."]}),
    ],
)
def test_invalid_filters_are_field_errors(shop, params, errors):
    with pytest.raises(ValidationError) as caught:
        product_list_page(params=params)
    assert caught.value.message_dict == errors


def test_inactive_sku_does_not_count_for_price_or_stock(shop):
    sku = Sku.objects.get(product=shop["radio"])
    services.sku_update(sku=sku, data={"is_active": False})
    assert "Pocket Radio" not in names({"in_stock": "true"})
    assert "Pocket Radio" not in names({"min_price": "100", "max_price": "200"})
