"""The timeout path end to end through a real Celery worker on the Redis broker (the
``real_worker`` fixture, config/testing.py)."""

import time

import pytest

from accounts.tests.factories import AddressFactory, UserFactory
from catalog.models import Sku
from catalog.tests.factories import make_product
from orders.models import Order, OrderStatus
from orders.tests.conftest import fill_cart


@pytest.mark.django_db(transaction=True)
def test_unpaid_order_is_cancelled_by_its_countdown_task_on_a_real_worker(real_worker, settings):
    from orders.services import order_create_from_cart

    settings.ORDER_PAY_TIMEOUT = 1
    buyer = UserFactory()
    address = AddressFactory(user=buyer)
    sku = make_product().skus.get()
    fill_cart(buyer, (sku, 2))
    order, _ = order_create_from_cart(user=buyer, address_id=address.pk)
    assert Sku.objects.get(pk=sku.pk).stock == 8
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        order.refresh_from_db()
        if order.status == OrderStatus.CANCELLED:
            break
        time.sleep(0.2)
    assert order.status == OrderStatus.CANCELLED
    assert order.events.get(to_status=OrderStatus.CANCELLED).note_display == "Not paid in time"
    assert Sku.objects.get(pk=sku.pk).stock == 10
    # The creation email went through the worker too.
    assert Order.objects.count() == 1
