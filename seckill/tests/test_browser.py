"""A flash sale in a real browser: the countdown opens the sale, "buy", the result page
follows the reservation to the order, the address, and paying with the sandbox."""

import threading
import time
from datetime import timedelta

import pytest

from accounts.tests.factories import PASSWORD, AddressFactory, UserFactory
from orders.models import Order, OrderStatus
from seckill import gate
from seckill.services import event_drain, event_publish, event_warm_up
from seckill.tests.factories import make_event

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_shopper_waits_for_the_start_wins_and_pays(live_server, browser, settings):
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    gate.forget_sold_out()
    event = make_event(allocated=3, starts_in=timedelta(seconds=4))
    event_publish(event_id=event.pk)
    event_warm_up(event_id=event.pk)
    shopper = UserFactory(username="lin")
    AddressFactory(user=shopper, is_default=True, receiver="林")
    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=identifier]", "lin")
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=identifier]) [type=submit]")
    page.wait_for_url(f"{live_server.url}/**")

    page.goto(live_server.url + event.get_absolute_url())
    assert page.is_disabled("[data-seckill-buy]")
    assert page.inner_text("[data-seckill-countdown]").startswith("00:00:0")
    # At the start, by the server's clock, the page turns live by itself.
    page.wait_for_selector("[data-seckill-buy]:not([disabled])", timeout=15000)
    assert "Ends in" in page.inner_text(".seckill-clock")

    with page.expect_navigation():
        page.click("[data-seckill-buy]")
    assert "You are in the queue" in page.inner_text("main")
    # The consumer (another process in production) turns the admission into the order;
    # the page, polling the result API, shows it without a reload by the shopper.
    consumer = threading.Timer(1.0, lambda: event_drain(event_id=event.pk))
    consumer.start()
    page.wait_for_selector("text=Got it! Your order is created", timeout=15000)
    consumer.join()
    order = Order.objects.get(user=shopper)
    assert "林" in page.inner_text("main")  # the default address, preselected

    page.click("text=Pay now")
    page.click("form.pay-form button[type=submit]")
    page.wait_for_url("**/payments/sandbox/**")
    page.click("button[value=pay]")
    deadline = time.monotonic() + 15
    while Order.objects.get(pk=order.pk).status != OrderStatus.PAID:
        assert time.monotonic() < deadline, "the order never turned paid"
        time.sleep(0.2)
    assert Order.objects.get(pk=order.pk).total_amount == event.flash_price


def test_the_admins_live_numbers_refresh_by_themselves(live_server, browser):
    from django.contrib.auth.models import Group

    from accounts.permissions import MERCHANTS_GROUP
    from seckill.tests.factories import live_event

    gate.forget_sold_out()
    event = live_event(allocated=4)
    merchant = UserFactory(is_staff=True)
    merchant.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/admin/login/?next=/admin/seckill/seckillevent/")
    page.fill("#id_username", merchant.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/seckill/seckillevent/")
    numbers = page.locator(f".live-numbers[data-event='{event.pk}']")
    assert "left in Redis: 4" in numbers.inner_text()
    shopper = UserFactory()
    AddressFactory(user=shopper, is_default=True)
    rid = f"{event.pk}-{shopper.pk}live"
    answer = gate.reserve(
        event_id=event.pk, user_id=shopper.pk, quantity=1, reservation_id=rid, token_id=rid, ip="i"
    )
    assert answer.code == gate.ADMITTED
    event_drain(event_id=event.pk)
    # No reload: the page asks again every 5 seconds.
    page.wait_for_function(
        "e => e.innerText.includes('left in Redis: 3')", arg=numbers.element_handle(), timeout=12000
    )
    assert "orders made / paid / cancelled: 1 / 0 / 0" in numbers.inner_text()
