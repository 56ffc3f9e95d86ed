"""The shop end to end in a real browser (the ``browser`` fixture: headless Debian Chromium
driven by Playwright, see config/testing.py)."""

import pytest
from django.contrib.auth.models import Group

from accounts.permissions import MERCHANTS_GROUP
from accounts.tests.factories import PASSWORD, AddressFactory, UserFactory
from catalog.models import Sku
from catalog.tests.factories import make_product
from orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_shopper_buys_cancels_and_merchant_ships(live_server, browser):
    product = make_product(
        name="Enamel Mug", slug="enamel-mug", skus=[{"attributes": {"colour": "red"}, "stock": 5}]
    )
    sku = Sku.objects.get(product=product)
    shopper = UserFactory(username="mei")
    AddressFactory(user=shopper, is_default=True, receiver="Mei")
    merchant = UserFactory(username="boss", is_staff=True)
    merchant.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    base = live_server.url

    page = browser.new_page()
    # A guest fills the cart, logs in at checkout, and the cart comes along.
    page.goto(f"{base}/product/enamel-mug/")
    page.fill("#qty", "2")
    with page.expect_navigation():  # the add lands before the next page is asked for
        page.click("form.add-to-cart button[type=submit]")
    assert page.locator("[data-cart-count]").inner_text() == "2"
    page.goto(f"{base}/cart/")
    page.click("text=Check out")
    page.fill("#id_identifier", "mei")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    assert "/checkout/" in page.url
    assert page.locator("text=Enamel Mug").count() >= 1
    page.click("text=Place order")
    assert "Awaiting payment" in page.content()
    order = Order.objects.get(user=shopper)
    assert page.url.endswith(order.get_absolute_url())
    assert Sku.objects.get(pk=sku.pk).stock == 3

    # The shopper cancels; the stock comes back.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Cancel order")
    page.wait_for_selector("text=The order was cancelled.")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert Sku.objects.get(pk=sku.pk).stock == 5

    # A second order; the merchant marks it paid and ships it from the admin.
    page.goto(f"{base}/product/enamel-mug/")
    with page.expect_navigation():  # the add lands before the next page is asked for
        page.click("form.add-to-cart button[type=submit]")
    page.goto(f"{base}/checkout/")
    page.click("text=Place order")
    second = Order.objects.exclude(pk=order.pk).get()

    admin = browser.new_page()
    admin.goto(f"{base}/admin/login/")
    admin.fill("#id_username", "boss")
    admin.fill("#id_password", PASSWORD)
    admin.click("input[type=submit]")
    admin.goto(f"{base}/admin/orders/order/")
    admin.check(f"input[name=_selected_action][value='{second.pk}']")
    admin.select_option("select[name=action]", "mark_paid_offline")
    admin.click("button[name=index]")
    admin.wait_for_selector("text=1 order(s) marked paid.")
    admin.check(f"input[name=_selected_action][value='{second.pk}']")
    admin.select_option("select[name=action]", "ship_orders")
    admin.click("button[name=index]")
    admin.select_option(f"select[name=carrier_{second.pk}]", "SF")
    admin.fill(f"input[name=tracking_no_{second.pk}]", "SF20261121")
    admin.click("input[type=submit][value=Ship]")
    admin.wait_for_selector("text=1 order(s) shipped.")

    page.goto(f"{base}{second.get_absolute_url()}")
    assert "SF20261121" in page.content() and "SF Express" in page.content()
    assert page.get_attribute("text=Track the parcel", "href") == (
        "https://www.kuaidi100.com/chaxun?com=shunfeng&nu=SF20261121"
    )
    page.click("text=Confirm receipt")
    page.wait_for_selector("text=Thanks! The order is complete.")
    assert Order.objects.get(pk=second.pk).status == OrderStatus.COMPLETED


def _log_in(page, base, user, next_path):
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_identifier", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}{next_path}")


def test_on_a_phone_the_order_tabs_scroll_and_opening_a_message_reads_it(live_server, browser):
    from orders.models import Message

    shopper = UserFactory(username="lan")
    Message.objects.create(user=shopper, title="订单已发货", body="顺丰 SF1001", kind="x")
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, extra_http_headers={"Accept-Language": "zh-CN"}
    )
    _log_in(page, live_server.url, shopper, "/orders/")
    # The tabs scroll sideways in their own strip: the page is never wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    tabs = page.locator("nav.tabs")
    assert tabs.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    assert tabs.evaluate("e => e.getBoundingClientRect().height") < 60  # one line
    page.goto(f"{live_server.url}/messages/")
    assert page.locator(".message-list .badge").count() == 1
    with page.expect_response("**/messages/*/read/"):
        page.click("text=订单已发货")
    assert page.locator(".message-list .badge").count() == 0
    assert page.is_visible("text=顺丰 SF1001")
    assert Message.objects.get(user=shopper).read_at is not None
