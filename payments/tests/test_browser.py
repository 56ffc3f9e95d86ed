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
    _log_in(shopper, live_server, buyer)
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


def _log_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=identifier]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=identifier]) [type=submit]")
    page.wait_for_url(f"{live_server.url}/**")


def test_the_wechat_pay_code_page_moves_to_the_paid_order_after_the_scan(
    live_server, browser, buyer, wechatpay
):
    order = place_order(buyer)
    page = browser.new_page(extra_http_headers={"Accept-Language": "zh-CN"})
    _log_in(page, live_server, buyer)
    page.goto(live_server.url + order.get_absolute_url())
    page.check("input[name=provider][value=wechatpay]")
    page.click("form.pay-form button[type=submit]")
    page.wait_for_url("**/payments/wechat/**")
    assert page.locator(".qr svg").bounding_box()["width"] >= 200  # a code a phone can scan
    assert "扫一扫" in page.inner_text("main")
    payment_no = page.url.rstrip("/").rsplit("/", 1)[1]
    wechatpay.pay(payment_no)  # the shopper scans it with WeChat and pays
    page.wait_for_url("**" + order.get_absolute_url(), timeout=15000)
    page.wait_for_selector("text=已付款，待发货")
    assert "通过微信支付付款于" in page.inner_text("main")


def test_alipay_page_pay_goes_to_the_cashier_and_back_to_the_paid_order(
    live_server, browser, buyer, alipay
):
    order = place_order(buyer)
    page = browser.new_page(extra_http_headers={"Accept-Language": "zh-CN"})
    _log_in(page, live_server, buyer)
    page.goto(live_server.url + order.get_absolute_url())
    page.check("input[name=provider][value=alipay]")
    page.click("form.pay-form button[type=submit]")
    page.wait_for_url(alipay.base + "/gateway.do**")
    assert str(order.total_amount) in page.inner_text(".amount")
    page.click("text=确认付款")
    page.wait_for_url("**" + order.get_absolute_url() + "**", timeout=15000)
    assert "已付款，待发货" in page.inner_text("main")
    assert "通过支付宝付款于" in page.inner_text("main")
