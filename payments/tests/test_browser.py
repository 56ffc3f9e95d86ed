"""Paying with the sandbox in a real browser: the order page turns paid by itself."""

import pytest

from accounts.tests.factories import PASSWORD
from orders.models import OrderStatus
from orders.tests.conftest import place_order

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_open_order_page_turns_paid_without_reloading(live_server, browser, buyer, settings):
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    order = place_order(buyer)
    context = browser.new_context(extra_http_headers={"Accept-Language": "zh-CN"})
    shopper = context.new_page()
    shopper.goto(f"{live_server.url}/accounts/login/")
    shopper.fill("input[name=identifier]", buyer.username)
    shopper.fill("input[name=password]", PASSWORD)
    shopper.click("form:has(input[name=identifier]) [type=submit]")
    shopper.goto(live_server.url + order.get_absolute_url())
    assert "待付款" in shopper.inner_text("main")
    # The shopper pays in a second tab (as on a phone showing the gateway); the first tab,
    # left open on the order, learns it by itself.
    gateway = context.new_page()
    gateway.goto(live_server.url + order.get_absolute_url())
    gateway.click("form.pay-form button[type=submit]")
    gateway.wait_for_url("**/payments/sandbox/**")
    gateway.click("button[value=pay]")
    shopper.wait_for_selector("text=已付款，待发货", timeout=15000)
    assert "通过沙箱支付（测试）付款于" in shopper.inner_text("main")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
