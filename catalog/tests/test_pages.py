"""Shop pages as shoppers meet them: both languages of the catalog, suggestions, a useful
page when nothing is found, related products, SKU labels, recently viewed, and cached
fragments that never carry one visitor's bits to another."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import PASSWORD, UserFactory
from catalog import recent
from catalog.models import Product
from catalog.services import sku_stock_adjust
from catalog.tests.factories import make_category, make_product
from config.redis import get_redis

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def audio():
    # Factories run in the suite's English: name is the English one, name_zh_hans the Chinese.
    category = make_category("Earphones", slug="audio", name_zh_hans="耳机")
    spec = [{"name": "颜色", "values": ["黑色", "白色"]}]
    earbuds = make_product(
        name="Tingting Wireless Earbuds",
        name_zh_hans="听听真无线蓝牙耳机",
        subtitle="30 hours of playback",
        subtitle_zh_hans="30 小时续航",
        slug="earbuds",
        category=category,
        spec=spec,
        skus=[
            {"attributes": {"颜色": "黑色"}, "price": Decimal("299"), "stock": 0},
            {"attributes": {"颜色": "白色"}, "price": Decimal("319"), "stock": 4},
        ],
    )
    speaker = make_product(
        name_zh_hans="听听蓝牙音箱", name_en="", slug="speaker", category=category, spec=spec,
        skus=[{"attributes": {"颜色": "黑色"}, "price": Decimal("199")}],
    )  # fmt: skip
    Product.objects.filter(pk=speaker.pk).update(sales_count=50, is_hot=True)
    return {"earbuds": earbuds, "speaker": speaker}


# --- Two languages ---------------------------------------------------------------------------


def test_pages_and_api_show_the_active_language_and_fall_back_to_the_other(client, audio):
    chinese = client.get("/product/earbuds/", **ZH).content.decode()
    assert "<h1>听听真无线蓝牙耳机</h1>" in chinese and "30 小时续航" in chinese
    english = client.get("/product/earbuds/", **EN).content.decode()
    assert "<h1>Tingting Wireless Earbuds</h1>" in english and "30 hours of playback" in english
    # The speaker has no English name: English pages show the Chinese one.
    assert "<h1>听听蓝牙音箱</h1>" in client.get("/product/speaker/", **EN).content.decode()
    api = client.get(f"/api/v1/products/{audio['earbuds'].pk}", **EN).json()
    assert (api["name"], api["category"]["name"]) == ("Tingting Wireless Earbuds", "Earphones")
    assert client.get(f"/api/v1/products/{audio['earbuds'].pk}", **ZH).json()["name"] == (
        "听听真无线蓝牙耳机"
    )


# --- Product page ----------------------------------------------------------------------------


def test_product_page_labels_options_follows_the_chosen_price_and_relates(client, audio):
    page = client.get("/product/earbuds/", **ZH).content.decode()
    assert '<span class="sku-axis">颜色：黑色</span>' in page
    assert "Color: " not in page
    # The sold-out black one cannot be chosen; the white one is chosen and priced.
    assert re.search(r'value="\d+" data-price="¥299.00" disabled>', page)
    assert re.search(r'value="\d+" data-price="¥319.00" checked>', page)
    assert "data-product-price>¥299.00 – ¥319.00<" in page
    related = page[page.index('class="related"') :]
    assert "听听蓝牙音箱" in related and "听听真无线蓝牙耳机" not in related
    english = client.get("/product/earbuds/", **EN).content.decode()
    assert '<span class="sku-axis">颜色: 黑色</span>' in english


def test_live_stock_shows_within_seconds_though_the_page_is_cached(client, audio):
    white = audio["earbuds"].skus.get(attributes={"颜色": "白色"})
    assert "4 in stock" in client.get("/product/earbuds/", **EN).content.decode()
    sku_stock_adjust(sku_id=white.pk, delta=-3)
    # The stock snapshot lives CATALOG_STOCK_CACHE_SECONDS and a guest's whole page half
    # that; drop both as their expiry would.
    cache.delete(f"catalog:stock:{audio['earbuds'].pk}")
    assert "4 in stock" in client.get("/product/earbuds/", **EN).content.decode()
    cache.delete_pattern("catalog:current:*:page:product:*")
    assert "1 in stock" in client.get("/product/earbuds/", **EN).content.decode()


# --- Cached fragments ------------------------------------------------------------------------


def test_one_visitors_name_and_token_never_reach_another(client, audio):
    client_class = type(client)
    shopper = UserFactory(username="lihua", nickname="李华")
    signed_in = client_class()
    signed_in.login(username="lihua", password=PASSWORD)
    mine = signed_in.get("/product/earbuds/", **ZH).content.decode()
    assert "李华" in mine
    other = client_class(enforce_csrf_checks=True)
    theirs = other.get("/product/earbuds/", **ZH).content.decode()
    assert "李华" not in theirs and "lihua" not in theirs
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', theirs)
    assert tokens and tokens[0] not in mine
    # The token in the cached product form is the visitor's own: adding to the cart works.
    white = audio["earbuds"].skus.get(attributes={"颜色": "白色"})
    added = other.post(
        reverse("carts:add"), {"sku": white.pk, "quantity": 1, "csrfmiddlewaretoken": tokens[0]}
    )
    assert added.status_code == 302
    assert shopper.pk  # the signed-in shopper's cart stayed theirs
    assert "data-cart-count>0<" in signed_in.get("/product/earbuds/").content.decode()


def test_warm_shop_pages_run_no_sql_for_guests(client, audio, django_assert_num_queries):
    pages = ["/", "/category/audio/", "/search/?q=耳机", "/product/earbuds/"]
    for url in pages:
        assert client.get(url).status_code == 200
    for url in pages:
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200


def test_listing_queries_do_not_grow_with_the_page(client, django_assert_num_queries):
    category = make_category("茶叶", slug="tea")
    make_product(category=category)
    # 6, and the promotions' and coupons' rules read once into the (empty) cache
    with django_assert_num_queries(8) as few:
        client.get("/category/tea/")
    for _ in range(20):
        make_product(category=category)
    cache.clear()
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/category/tea/")


# --- Search ----------------------------------------------------------------------------------


def test_suggestions_offer_categories_and_products_cached_and_in_the_language(client, audio):
    url = reverse("api-search-suggestions")
    data = client.get(url, {"q": "耳机"}, **ZH)
    assert data["Cache-Control"] == "public, max-age=60"
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in data["Vary"].split(",")}
    assert data.json() == {
        "query": "耳机",
        "categories": [{"name": "耳机", "url": "/category/audio/"}],
        "products": [{"name": "听听真无线蓝牙耳机", "url": "/product/earbuds/"}],
    }
    english = client.get(url, {"q": "蓝牙"}, **EN).json()
    assert english["products"] == [
        {"name": "听听蓝牙音箱", "url": "/product/speaker/"},
        {"name": "Tingting Wireless Earbuds", "url": "/product/earbuds/"},
    ]
    assert client.get(url, {"q": "  "}).json() == {"query": "", "categories": [], "products": []}
    assert client.get(url, {"q": "x" * 101}).status_code == 400


def test_suggestions_come_from_the_cache_once_asked(client, audio, django_assert_num_queries):
    url = reverse("api-search-suggestions")
    client.get(url, {"q": "音箱"})
    with django_assert_num_queries(0):
        assert client.get(url, {"q": "音箱"}).json()["products"][0]["name"] == "听听蓝牙音箱"


def test_a_search_that_finds_nothing_offers_close_categories_and_hot_products(client, audio):
    page = client.get("/search/", {"q": "耳机套"}, **ZH).content.decode()
    assert "没有找到与“耳机套”相关的商品" in page
    offers = page[page.index('class="no-results') :]
    assert 'href="/category/audio/">耳机</a>' in offers
    assert "听听蓝牙音箱" in offers  # the hot product


# --- Recently viewed -------------------------------------------------------------------------


def test_recently_viewed_is_kept_in_the_session_for_guests(client, audio):
    assert "最近浏览" not in client.get("/", **ZH).content.decode()
    for slug in ("earbuds", "speaker"):
        product = audio[slug]
        assert client.post(reverse("catalog:viewed"), {"product": product.pk}).status_code == 204
    home = client.get("/", **ZH).content.decode()
    section = home[home.index('class="recently-viewed"') :]
    assert section.index("听听蓝牙音箱") < section.index("听听真无线蓝牙耳机")  # newest first
    assert client.session[recent.SESSION_KEY] == [audio["speaker"].pk, audio["earbuds"].pk]
    # The product page lists the others, not itself.
    page = client.get("/product/speaker/", **ZH).content.decode()
    section = page[page.index('class="recently-viewed"') :]
    assert "听听真无线蓝牙耳机" in section and "听听蓝牙音箱" not in section


def test_recently_viewed_follows_a_shopper_into_their_account(client, audio):
    user = UserFactory(username="wang")
    client.post(reverse("catalog:viewed"), {"product": audio["earbuds"].pk})
    client.post(reverse("accounts:login"), {"identifier": "wang", "password": PASSWORD})
    client.post(reverse("catalog:viewed"), {"product": audio["speaker"].pk})
    key = f"recent:{user.pk}"
    assert get_redis().lrange(key, 0, -1) == [str(audio["speaker"].pk), str(audio["earbuds"].pk)]
    for _ in range(12):
        client.post(reverse("catalog:viewed"), {"product": make_product().pk})
    assert get_redis().llen(key) == 10


def test_viewing_is_recorded_by_post_only_and_checks_the_product(client, audio):
    assert client.get(reverse("catalog:viewed")).status_code == 405
    assert client.post(reverse("catalog:viewed"), {"product": "x"}).status_code == 400
    assert client.post(reverse("catalog:viewed"), {"product": "999999"}).status_code == 404
    client.get("/product/earbuds/")
    assert recent.SESSION_KEY not in client.session  # the page's GET wrote nothing


def test_translation_override_is_not_leaked_by_the_fragment_cache(client, audio):
    client.get("/category/audio/", **ZH)
    with translation.override("en"):
        page = client.get("/category/audio/", **EN).content.decode()
    assert "Tingting Wireless Earbuds" in page and "听听真无线蓝牙耳机" not in page


def test_a_guest_with_a_cart_or_a_message_gets_their_own_header(client, audio):
    white = audio["earbuds"].skus.get(attributes={"颜色": "白色"})
    assert "data-cart-count>0<" in client.get("/product/earbuds/", **EN).content.decode()
    added = client.post(
        reverse("carts:add"), {"sku": white.pk, "quantity": 2, "next": "/product/earbuds/"},
        follow=True, **EN,
    )  # fmt: skip
    page = added.content.decode()
    assert "Added to your cart:" in page and "data-cart-count>2<" in page
    # Another guest still gets the shared page, with an empty cart.
    fresh = type(client)().get("/product/earbuds/", **EN).content.decode()
    assert "data-cart-count>0<" in fresh and "Added to your cart" not in fresh


def test_the_sku_options_read_in_the_pages_language_and_the_api_gives_both(client):
    spec = [{"name": "颜色", "values": ["黑色"], "name_en": "Colour", "values_en": ["Black"]}]
    product = make_product(name="耳机 Z", spec=spec, skus=[{"attributes": {"颜色": "黑色"}}])
    url = reverse("catalog:product", args=[product.slug])
    assert "颜色：黑色" in client.get(url, **ZH).content.decode()
    english = client.get(url, **EN).content.decode()
    assert "Colour: Black" in english and "黑色" not in english
    api = client.get(reverse("api-product", args=[product.pk]), **EN).json()
    assert api["skus"][0]["attributes"] == {"颜色": "黑色"}
    assert api["skus"][0]["attributes_display"] == {"Colour": "Black"}
    assert api["spec"][0] == {
        "name": "颜色",
        "values": ["黑色"],
        "label": "Colour",
        "value_labels": ["Black"],
    }
