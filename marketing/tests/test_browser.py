"""The coupon journey in a real browser: claim in the coupon centre, see 满减 and the coupon
in the cart and at checkout, pay with the sandbox, return one item and get back exactly what
it cost."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.tests.factories import PASSWORD, AddressFactory
from catalog.tests.factories import make_product
from delivery.tests.factories import set_default_shipping
from marketing.tests.factories import make_template, make_tiers
from orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_claim_a_coupon_see_it_and_the_promotion_pay_and_get_a_line_back(
    live_server, browser, buyer, settings
):
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    set_default_shipping(free_over_amount="99.00")
    make_tiers(("199", "30"), name="满199减30")
    make_template(name="满100减10券", total_quantity=5)
    tea = make_product(name="Tea", slug="tea", skus=[{"price": Decimal("150.00")}], spec=[])
    cup = make_product(name="Cup", slug="cup", skus=[{"price": Decimal("60.00")}], spec=[])
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=identifier]", buyer.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=identifier]) [type=submit]")
    page.wait_for_url(f"{live_server.url}/**")

    page.goto(f"{live_server.url}/coupons/")
    with page.expect_navigation():
        page.click("main form button:has-text('Claim')")
    assert "Coupon claimed" in page.inner_text("main")
    for slug in ("tea", "cup"):
        page.goto(f"{live_server.url}/product/{slug}/")
        with page.expect_navigation():
            page.click("form.add-to-cart button[type=submit]")
    page.goto(f"{live_server.url}/cart/")
    summary = page.inner_text(".summary")
    # 210 → 满199减30 → 180 → 满100减10 → 170, free shipping.
    assert "满199减30" in summary and "−¥30.00" in summary
    assert "满100减10券" in summary and "−¥10.00" in summary
    assert "¥170.00" in summary and "¥40.00" in summary  # total and saved

    page.goto(f"{live_server.url}/checkout/")
    assert page.is_checked("input[name=coupon]:not([value=none])")
    page.click("text=Place order")
    page.wait_for_url("**/orders/**")
    order = Order.objects.get(user=buyer)
    assert (order.discount_amount, order.total_amount) == (Decimal("40.00"), Decimal("170.00"))
    page.click("form.pay-form button[type=submit]")
    page.wait_for_url("**/payments/sandbox/**")
    page.click("button[value=pay]")
    page.wait_for_url(f"**{order.get_absolute_url()}")
    page.wait_for_selector("text=Paid, awaiting shipment", timeout=15000)
    assert "满199减30" in page.inner_text(".summary")

    # The cup comes back: it cost 60 less its shares of the 30 and the 10.
    from orders.services import order_transition
    from payments.models import AfterSaleReason
    from payments.services import (
        aftersale_approve,
        aftersale_goods_received,
        aftersale_request_create,
        aftersale_return_shipped,
    )

    order_transition(order_id=order.pk, to_status=OrderStatus.SHIPPED)
    cup_line = order.items.get(product=cup)
    reason = AfterSaleReason.objects.filter(active=True).first() or AfterSaleReason.objects.create(
        name="不合适", applies_to="any"
    )
    request = aftersale_request_create(
        user=buyer,
        order_no=order.order_no,
        kind="return",
        reason_id=reason.pk,
        amount=cup_line.paid_amount,
        items={cup_line.pk: 1},
    )
    merchant = AddressFactory().user
    aftersale_approve(request_no=request.request_no, actor=merchant)
    aftersale_return_shipped(
        request_no=request.request_no, user=buyer, carrier="sf", tracking_no="SF123"
    )
    aftersale_goods_received(request_no=request.request_no, actor=merchant)
    order.refresh_from_db()
    assert cup_line.paid_amount == Decimal("48.56")
    assert order.refunded_amount == Decimal("48.56")
    assert tea.pk


def test_check_in_pay_part_of_an_order_with_points_and_get_them_back_by_cancelling(
    live_server, browser, buyer
):
    from marketing.models import PointsAccount
    from marketing.tests.factories import set_rules

    set_rules(points_per_yuan_off=10, points_max_percent=50, check_in_cycle="200")
    make_product(name="Tea", slug="tea", skus=[{"price": Decimal("150.00")}], spec=[])
    page = browser.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=identifier]", buyer.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=identifier]) [type=submit]")
    page.wait_for_url(f"{live_server.url}/**")

    page.goto(f"{live_server.url}/accounts/check-in/")
    with page.expect_navigation():
        page.click("main form button:has-text('Check in')")
    assert "Checked in: 200 points" in page.inner_text("main")
    assert page.locator("td.today.checked").count() == 1
    page.goto(f"{live_server.url}/accounts/points/")
    assert page.inner_text("[data-points-balance]") == "200"

    for attempt in range(2):
        page.goto(f"{live_server.url}/product/tea/")
        with page.expect_navigation():
            page.click("form.add-to-cart button[type=submit]")
        page.goto(f"{live_server.url}/checkout/")
        assert "Use 200 points for ¥20.00 off" in page.inner_text(".points-choice")
        with page.expect_navigation():
            page.check(".points-choice input[name=points]")  # prices the order again
        summary = page.inner_text(".summary")
        assert "Points (200 points)" in summary and "¥130.00" in summary
        page.click("text=Place order")
        page.wait_for_url("**/orders/**")
        assert PointsAccount.objects.get(user=buyer).balance == 0
        if attempt == 0:
            order = Order.objects.get(user=buyer)
            assert order.total_amount == Decimal("130.00")
            with page.expect_navigation():
                page.click("form[action$='/cancel/'] button[type=submit]")
            assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
            assert PointsAccount.objects.get(user=buyer).balance == 200  # back, to spend again
