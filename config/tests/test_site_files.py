"""/favicon.ico, /robots.txt and /sitemap.xml are served."""

import pytest

from catalog.models import ProductStatus
from catalog.tests.factories import make_category, make_product

pytestmark = pytest.mark.django_db


def test_favicon_is_served(client):
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, "/static/img/favicon.ico")
    with open(finders.find("img/favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file


def test_robots_keeps_private_pages_out_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in text and "Disallow: /checkout/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


def test_sitemap_lists_on_sale_products_and_categories_and_follows_changes(
    client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    category = make_category("Teaware", slug="teaware")
    make_product(category=category, slug="gaiwan")
    make_product(category=category, slug="secret", status=ProductStatus.DRAFT)
    index = client.get("/sitemap.xml").content.decode()
    assert "/sitemap-products.xml" in index and "/sitemap-categories.xml" in index
    products = client.get("/sitemap-products.xml").content.decode()
    categories = client.get("/sitemap-categories.xml").content.decode()
    assert "/product/gaiwan/" in products and "/category/teaware/" in categories
    assert "/product/secret/" not in products
    with django_assert_max_num_queries(0):
        assert client.get("/sitemap-products.xml").status_code == 200  # cached
    with django_capture_on_commit_callbacks(execute=True):
        make_product(category=category, slug="teapot")
    assert "/product/teapot/" in client.get("/sitemap-products.xml").content.decode()
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_sitemap_pages_are_cached_apart(client, settings):
    from catalog.sitemaps import ProductSitemap

    category = make_category("Many", slug="many")
    for n in range(3):
        make_product(category=category, slug=f"item-{n}")
    ProductSitemap.limit = 2
    try:
        index = client.get("/sitemap.xml").content.decode()
        first = client.get("/sitemap-products.xml").content.decode()
        second = client.get("/sitemap-products.xml", {"p": "2"}).content.decode()
    finally:
        ProductSitemap.limit = 5000
    assert "/sitemap-products.xml?p=2" in index
    assert first.count("/product/item-") == 2 and second.count("/product/item-") == 1
