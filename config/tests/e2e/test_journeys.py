"""Journeys on the full stack, in a real browser, as the shop's users meet it."""

from __future__ import annotations

import pytest

from config.tests.e2e.conftest import keep, log_in

pytestmark = pytest.mark.e2e


def _add_first_search_result(page, query: str) -> str:
    """Search, open the first product, add one of its first SKU; returns its name."""
    page.goto(f"/search/?q={query}")
    page.locator(".product-card a").first.click()
    name = page.locator("h1").inner_text()
    with page.expect_navigation():
        page.click("form.add-to-cart button[type=submit]")
    return name


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
    keep(page, "language-english")
