"""Journeys on the full stack, in a real browser, as the shop's users meet it."""

from __future__ import annotations

import pytest

from config.e2e import VAR
from config.tests.e2e.conftest import keep
from config.tests.e2e.steps import (
    add_to_cart,
    checkout_with_new_address,
    log_in,
    pay_with_sandbox,
    register,
    unique,
)

pytestmark = pytest.mark.e2e


def _add_first_search_result(page, query: str) -> str:
    """Search, open the first product, add one of its first SKU; returns its name."""
    page.goto(f"/search/?q={query}")
    page.locator(".product-card a").first.click()
    return add_to_cart(page)


def test_a_guests_cart_joins_the_shoppers_cart_at_login(pages):
    shopper = pages("shopper-before")
    log_in(shopper, "shopper")
    kept = _add_first_search_result(shopper, "茶")
    shopper.context.clear_cookies()  # the shopper's cart stays on the account

    guest = pages("guest", width=390)
    added = _add_first_search_result(guest, "耳机")
    assert guest.locator("[data-cart-count]").inner_text() == "1"
    log_in(guest, "shopper")
    guest.goto("/cart/")
    names = guest.locator(".cart-line .info a").all_inner_texts()
    assert sorted(names) == sorted([kept, added])
    assert guest.locator("[data-cart-count]").inner_text() == "2"
    keep(guest, "guest-cart-merged")


def test_switching_to_english_reads_the_same_page_in_english(pages):
    page = pages("language")
    page.goto("/search/?q=耳机")
    page.locator(".product-card a").first.click()
    url = page.url
    chinese = page.locator("h1").inner_text()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "加入购物车" in page.locator("form.add-to-cart").inner_text()
    with page.expect_navigation():
        page.click(".language-switch button[value=en]")
    assert page.url == url
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Add to cart" in page.locator("form.add-to-cart").inner_text()
    english = page.locator("h1").inner_text()
    assert english != chinese and english.isascii()
    # The SKU options too (the spec carries its English names and values).
    options = page.locator("form.add-to-cart .sku-label").all_inner_texts()
    assert options and all(option.isascii() for option in options), options
    keep(page, "language-english")


def test_a_new_shopper_finds_headphones_buys_them_and_sees_the_order_paid_live(pages, tmp_path):
    """In Chinese: register, search 耳机, filter its category, pick a SKU, add it, change
    the quantity, check out with a new address, pay with the sandbox, and the order page
    turns paid by itself (the notification is a Celery task; the page is not reloaded); then
    ask for a refund with a photo."""
    page = pages("shopper", width=390)
    register(page, unique("mei"))

    page.goto("/search/?q=耳机")
    found = page.locator(".product-card .name").all_inner_texts()
    assert found and all("耳机" in name or "耳" in name for name in found[:2])
    page.locator(".product-card a").first.click()
    page.locator(".breadcrumbs a, nav[aria-label] a").filter(has_text="耳机音响").first.click()
    assert "/category/" in page.url
    page.check("#f-stock")
    page.select_option("#f-sort", "price")
    with page.expect_navigation():
        page.click(".filters button[type=submit]")
    assert "in_stock=true" in page.url and "sort=price" in page.url
    # Sorted by the usual price: a card on a limited-time price shows that price and the
    # usual one struck through (the last figure of the card's price).
    prices = [
        float(text.replace("¥", "").replace(",", "").split("–")[0].split()[-1].strip())
        for text in page.locator(".product-card .price").all_inner_texts()
    ]
    assert prices == sorted(prices) and len(prices) >= 2

    page.locator(".product-card a").first.click()
    options = page.locator("form.add-to-cart input[type=radio]").count()
    product = add_to_cart(page, option=1 if options > 1 else None)

    page.goto("/cart/")
    page.fill(".cart-line form.set input[name=quantity]", "2")
    with page.expect_navigation():
        page.click(".cart-line form.set button[type=submit]")
    assert page.locator(".cart-line form.set input[name=quantity]").input_value() == "2"
    checkout_with_new_address(page)
    assert product in page.content()

    pushed = []  # what the websocket (nginx → daphne) brings to the page
    page.on(
        "websocket",
        lambda socket: socket.on("framereceived", lambda frame: pushed.append(str(frame))),
    )
    # The shopper does nothing more once paid: the push over the websocket (or the page's
    # 3-second poll) tells the page, which shows itself again, paid.
    order_url = pay_with_sandbox(page)
    assert "已付款" in page.locator("[data-order-status]").inner_text()
    # The page's websocket went through nginx to daphne and was let in as this shopper (the
    # push of "paid" itself may come before the socket opens; the poll covers that).
    assert any('"event": "hello"' in frame for frame in pushed), pushed
    keep(page, "shopper-order-paid")

    # The headphones will not do after all: a refund (not shipped yet) with a photo.
    photo = tmp_path / "headphones.png"
    from PIL import Image

    Image.new("RGB", (320, 240), (200, 40, 40)).save(photo)
    page.click(".order-actions a.button.secondary")
    assert "/aftersale/" in page.url
    page.select_option("#id_reason", index=1)
    page.fill("#id_note", "不想要了，还没发货请退款")
    page.set_input_files("#id_photos", str(photo))
    with page.expect_navigation():
        page.click(".aftersale-form button[type=submit]")
    assert page.url == order_url
    request = page.locator("section.card.aftersale")
    assert request.count() == 1 and "不想要了" in request.inner_text()
    image = request.locator(".aftersale-photos img")
    image.wait_for()
    # The shop checks who asks, then nginx sends the file from the media volume: it loads.
    assert page.evaluate(
        "(img) => img.complete && img.naturalWidth === 320", image.element_handle()
    )
    keep(page, "shopper-refund-requested")
    # Asked for at its place in the media volume, nginx does not hand it out.
    stored = next((VAR / "media" / "aftersales").rglob("*.png"))
    direct = page.request.get(f"/media/{stored.relative_to(VAR / 'media').as_posix()}")
    assert direct.status == 404
