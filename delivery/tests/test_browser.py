"""Pickup in a real browser on a 390 px phone: choose a pickup point and a slot at checkout,
pay with the sandbox, open the pickup code (still there offline), and the point's staff hand
the order over on their phone."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from accounts.tests.factories import PASSWORD, UserFactory
from catalog.tests.factories import make_product
from delivery.models import DeliverySlot, PickupPoint
from delivery.tests.factories import set_default_shipping
from orders.models import Order, OrderStatus, PickupHandover

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=identifier]) [type=submit]")
    page.wait_for_url(f"{base}/**")


def test_pick_a_point_and_a_slot_pay_show_the_code_offline_and_hand_it_over(
    live_server, browser, buyer, settings
):
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    set_default_shipping(fee="10.00", free_over_amount=None)
    staff = UserFactory(username="desk")
    point = PickupPoint.objects.create(
        name="文三路自提点",
        region_code="330106",
        address="文三路 90 号",
        hours="09:00–21:00",
        phone="0571-88880000",
    )
    point.staff.add(staff)
    DeliverySlot.objects.create(starts=datetime.time(9), ends=datetime.time(12), capacity=5)
    type(buyer.address).objects.filter(pk=buyer.address.pk).update(region_code="330106")
    make_product(name="Tea", slug="tea", skus=[{"price": Decimal("50.00")}], spec=[])
    base = live_server.url

    shopper = browser.new_context(viewport=PHONE)
    page = shopper.new_page()
    _login(page, base, buyer.username)
    page.goto(f"{base}/product/tea/")
    with page.expect_navigation():
        page.click("form.add-to-cart button[type=submit]")
    page.goto(f"{base}/checkout/")
    assert "¥10.00" in page.inner_text(".summary")  # shipped: the template's fee
    with page.expect_navigation():
        page.check("input[name=delivery][value=pickup]")  # the page prices again
    assert "文三路自提点" in page.inner_text(".delivery-choice")
    assert "Free" in page.inner_text(".summary")  # collected: no shipping
    page.select_option("select[name=slot]", index=1)
    page.click("text=Place order")
    page.wait_for_url("**/orders/**")
    order = Order.objects.get(user=buyer)
    assert (order.delivery_method, order.shipping_fee) == ("pickup", Decimal("0.00"))
    assert order.slot_day is not None
    page.click("form.pay-form button[type=submit]")
    page.wait_for_url("**/payments/sandbox/**")
    page.click("button[value=pay]")
    page.wait_for_url(f"**{order.get_absolute_url()}")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and len(order.pickup_code) == 8
    page.goto(f"{base}/orders/{order.order_no}/pickup/")
    digits = page.inner_text(".code-digits").replace(" ", "")
    assert digits == order.pickup_code
    # The service worker keeps the page: offline, a reload still shows the code.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the worker, which keeps this copy
    shopper.set_offline(True)
    page.reload()
    assert page.inner_text(".code-digits").replace(" ", "") == order.pickup_code
    shopper.set_offline(False)
    shopper.close()

    desk = browser.new_context(viewport=PHONE)
    page = desk.new_page()
    _login(page, base, staff.username)
    page.goto(f"{base}/pickup/")
    page.fill("input[name=code]", order.pickup_code)
    with page.expect_navigation():
        page.click("text=Look up")
    assert "Tea" in page.inner_text(".handover")
    with page.expect_navigation():
        page.click("text=Hand over")
    assert f"Order {order.order_no} handed over." in page.inner_text("body")
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert PickupHandover.objects.get(order=order).staff_id == staff.pk
    # The code works once: looked up again, there is no order waiting for it.
    page.fill("input[name=code]", order.pickup_code)
    with page.expect_navigation():
        page.click("text=Look up")
    assert "No order waits here for that code." in page.inner_text("main")
    desk.close()
