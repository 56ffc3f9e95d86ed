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


@pytest.mark.django_db(transaction=True)
def test_a_pay_timeout_longer_than_a_worker_may_hold_a_task_hops_and_closes_on_time(
    real_worker, settings
):
    """No countdown is held past CELERY_MAX_COUNTDOWN (RabbitMQ's consumer_timeout would
    kill the worker): a 6-second timeout with a 2-second cap first runs after about 3 s,
    finds the deadline ahead and queues itself again, then closes the order at 6 s."""
    from prometheus_client import REGISTRY

    from orders.services import order_create_from_cart

    def started():
        labels = {"task": "orders.tasks.order_close_overdue_task"}
        return REGISTRY.get_sample_value("kuaimai_celery_tasks_started_total", labels) or 0

    settings.CELERY_MAX_COUNTDOWN = 2
    settings.ORDER_PAY_TIMEOUT = 6
    buyer = UserFactory()
    address = AddressFactory(user=buyer)
    fill_cart(buyer, (make_product().skus.get(), 1))
    before = started()
    order, _ = order_create_from_cart(user=buyer, address_id=address.pk)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and started() == before:
        time.sleep(0.1)
    order.refresh_from_db()
    assert started() - before == 1  # the first hop ran early: not closed
    assert order.status == OrderStatus.PENDING_PAYMENT
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and order.status != OrderStatus.CANCELLED:
        time.sleep(0.2)
        order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert started() - before >= 2  # the hop, then the closing run
