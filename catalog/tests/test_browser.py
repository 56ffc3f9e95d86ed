"""The catalog in a real browser: suggestions from the keyboard, the language switch, and the
price following the chosen SKU (the ``browser`` fixture, config/testing.py)."""

from decimal import Decimal

import pytest

from catalog.tests.factories import make_category, make_product

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_chinese_shopper_types_picks_a_suggestion_with_the_keyboard(live_server, browser):
    audio = make_category("Audio", slug="audio", name_zh_hans="耳机音响")
    spec = [{"name": "颜色", "values": ["黑色", "白色"]}]
    make_product(
        name="Tingting Earbuds", name_zh_hans="听听真无线蓝牙耳机", slug="earbuds",
        category=audio, spec=spec,
        skus=[
            {"attributes": {"颜色": "黑色"}, "price": Decimal("299")},
            {"attributes": {"颜色": "白色"}, "price": Decimal("319")},
        ],
    )  # fmt: skip
    page = browser.new_page(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN"})
    page.goto(f"{live_server.url}/")
    page.fill("#site-search", "耳机")
    page.wait_for_selector("#search-suggestions:not([hidden]) li")
    options = page.locator("#search-suggestions [role=option]")
    assert options.all_inner_texts() == ["耳机音响\n分类", "听听真无线蓝牙耳机"]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#site-search", "aria-activedescendant") == "search-suggestion-1"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/product/earbuds/")
    # The price shows the chosen SKU's, and follows another choice.
    assert page.inner_text("[data-product-price]") == "¥299.00"
    page.click("text=颜色：白色")
    assert page.inner_text("[data-product-price]") == "¥319.00"
    # Escape closes the list; Enter with nothing chosen searches.
    page.fill("#site-search", "蓝牙")
    page.wait_for_selector("#search-suggestions:not([hidden]) li")
    page.keyboard.press("Escape")
    assert page.is_hidden("#search-suggestions")
    assert page.input_value("#site-search") == "蓝牙"  # the browser's own Escape clears it
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=%E8%93%9D%E7%89%99")
    assert "听听真无线蓝牙耳机" in page.inner_text("main")


def test_the_header_switch_turns_the_shop_english_and_back(live_server, browser):
    make_product(name="Silk Pillowcase", name_zh_hans="真丝枕套", slug="pillowcase")
    page = browser.new_page(
        viewport={"width": 1366, "height": 900}, extra_http_headers={"Accept-Language": "zh-CN"}
    )
    page.goto(f"{live_server.url}/product/pillowcase/")
    assert page.inner_text("h1") == "真丝枕套"
    page.click("form.language-switch button[value=en]")
    page.wait_for_url(f"{live_server.url}/product/pillowcase/")
    assert page.inner_text("h1") == "Silk Pillowcase"
    assert page.inner_text("form.language-switch button") == "简体中文"
    page.click("form.language-switch button[value=zh-hans]")
    page.wait_for_url(f"{live_server.url}/product/pillowcase/")
    assert page.inner_text("h1") == "真丝枕套"


@pytest.mark.parametrize("width", [390, 1366])
def test_shop_pages_fit_the_screen_without_sideways_scrolling(live_server, browser, width):
    category = make_category("Phones", slug="phones", name_zh_hans="手机")
    for n in range(6):
        make_product(
            name=f"Xingchen X{n} 5G Smartphone with a rather long English name",
            name_zh_hans=f"星辰 X{n} 5G 智能手机 超长续航 影像旗舰 全网通 双卡双待",
            slug=f"phone-{n}",
            category=category,
        )
    page = browser.new_page(
        viewport={"width": width, "height": 800}, extra_http_headers={"Accept-Language": "zh-CN"}
    )
    page.goto(f"{live_server.url}/product/phone-0/")
    with page.expect_navigation():  # the add lands before the next page is asked for
        page.click("form.add-to-cart button[type=submit]")
    for path in [
        "/",
        "/category/phones/",
        "/product/phone-1/",
        "/search/?q=手机",
        "/search/?q=无",
        "/cart/",
    ]:
        page.goto(live_server.url + path)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, (path, scroll)


def test_after_add_to_cart_the_choice_stays_and_the_page_says_what_was_added(live_server, browser):
    from accounts.tests.factories import PASSWORD, UserFactory

    spec = [{"name": "颜色", "values": ["黑色", "白色"]}]
    make_product(
        name="Tingting Earbuds", name_zh_hans="听听真无线蓝牙耳机", slug="earbuds", spec=spec,
        skus=[
            {"attributes": {"颜色": "黑色"}, "price": Decimal("299")},
            {"attributes": {"颜色": "白色"}, "price": Decimal("319")},
        ],
    )  # fmt: skip
    user = UserFactory()
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, extra_http_headers={"Accept-Language": "zh-CN"}
    )
    page.goto(f"{live_server.url}/accounts/login/?next=/product/earbuds/")
    page.fill("#id_identifier", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/product/earbuds/")
    page.click("text=颜色：白色")
    page.fill("#qty", "2")
    page.click("form.add-to-cart button[type=submit]")
    page.wait_for_url("**/product/earbuds/?*")
    notice = page.inner_text(".messages")
    assert "已加入购物车：听听真无线蓝牙耳机 (白色) × 2" in notice
    assert page.is_checked("input[name=sku][data-price='¥319.00']")
    assert page.input_value("#qty") == "2"
    assert page.inner_text("[data-product-price]") == "¥319.00"
    page.click(".messages a[href='/checkout/']")
    page.wait_for_url(f"{live_server.url}/checkout/")


def test_the_merchant_builds_the_sku_rows_from_the_axes(live_server, browser):
    from django.contrib.auth.models import Group

    from accounts.permissions import MERCHANTS_GROUP
    from accounts.tests.factories import PASSWORD, UserFactory

    merchant = UserFactory(is_staff=True)
    merchant.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    page = browser.new_page(
        viewport={"width": 1366, "height": 900}, extra_http_headers={"Accept-Language": "zh-CN"}
    )
    page.goto(f"{live_server.url}/admin/login/?next=/admin/catalog/product/add/")
    page.fill("#id_username", merchant.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/catalog/product/add/")
    page.fill("#id_slug", "tee")
    page.fill("#id_spec_axes", "颜色：黑色，白色\n尺码：S、M、L")
    page.click("text=生成 SKU 行")
    rows = page.locator("#skus-group tr.form-row:not(.empty-form) textarea[name$='-attributes']")
    assert rows.count() == 6
    assert rows.nth(0).input_value() == '{"颜色":"黑色","尺码":"S"}'
    assert rows.nth(5).input_value() == '{"颜色":"白色","尺码":"L"}'
    assert "6" in page.inner_text(".sku-matrix-note")
    # Again: every combination has its row, none is added twice.
    page.click("text=生成 SKU 行")
    assert rows.count() == 6
