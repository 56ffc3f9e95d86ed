"""Celery on RabbitMQ: no task is held unacknowledged longer than CELERY_MAX_COUNTDOWN.

A worker holds a countdown task unacknowledged until it is due; RabbitMQ closes the channel of
a consumer that holds a delivery past ``consumer_timeout`` (PRECONDITION_FAILED, 30 minutes by
default: the length of a pay timeout), and the worker with it. Here an order with a 12-second
pay timeout and a 2-second cap: every delivery of its countdown the worker receives is due at
most 3 seconds after it arrives (from the worker's own "received" lines), and the hops close
the order on time with the worker alive. Then the same on a RabbitMQ node of the test's own
whose consumer_timeout is 5 seconds, where a countdown that does not hop is thrown out.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from catalog.tests.factories import make_product
from config.testing import publish_to, wait_until
from config.testing_servers import WORKER, RabbitServer, ShopProcess, rabbitmq_vhost

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rabbit(settings, monkeypatch):
    """This process and its workers on a vhost of this test's own."""
    with rabbitmq_vhost(f"kuaimai-ct-{os.getpid()}") as url:
        publish_to(monkeypatch, settings, url, max_countdown=2)
        yield url


def test_a_pay_timeout_hops_so_no_delivery_is_held_past_the_cap_and_the_order_closes(
    rabbit, tmp_path
):
    from orders.models import Order, OrderStatus
    from orders.services import OrderLine, order_create_from_lines
    from orders.tasks import order_close_overdue_task

    env = {"CELERY_BROKER_URL": rabbit, "CELERY_MAX_COUNTDOWN": "2"}
    worker = ShopProcess("worker", tmp_path, env, *WORKER, "--hostname", "ct@%h")
    wait_until(lambda: "ready" in worker.text(), timeout=30)
    try:
        order, _created = order_create_from_lines(
            user=UserFactory(),
            lines=[
                OrderLine(
                    sku_id=make_product().skus.get().pk, quantity=1, unit_price=Decimal("100.00")
                )
            ],
            source="web",
            idempotency_key="ct-order",
            pay_timeout=12,
        )
        wait_until(
            lambda: Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED,
            timeout=40,
            interval=0.5,
        )
        assert worker.alive()
    finally:
        worker.stop()
    received = [
        line
        for line in map(json.loads, (t for t in worker.text().splitlines() if t.startswith("{")))
        if line.get("message", "").startswith(f"Task {order_close_overdue_task.name}[")
        and line["message"].endswith("received")
    ]
    assert len(received) >= 2  # it hopped
    for line in received:
        arrived = datetime.fromisoformat(line["time"])
        due = datetime.fromisoformat(line["data"]["eta"])
        assert (due - arrived).total_seconds() <= 2 + 1.5, line
    assert "PRECONDITION_FAILED" not in worker.text()


@pytest.fixture
def short_timeout_rabbit(settings, monkeypatch):
    """A RabbitMQ node of this test's own whose consumer_timeout is 5 s (checked every
    second), for this process and its workers."""
    server = RabbitServer(
        conf={"consumer_timeout": 5000}, advanced="[{rabbit, [{channel_tick_interval, 1000}]}]."
    ).start()
    publish_to(monkeypatch, settings, server.url, max_countdown=2)
    yield server
    server.stop()


def test_on_a_broker_with_a_short_consumer_timeout_the_hops_keep_the_worker_alive(
    short_timeout_rabbit, tmp_path
):
    from orders.models import Order, OrderStatus
    from orders.services import OrderLine, order_create_from_lines
    from orders.tasks import order_close_overdue_task

    env = {"CELERY_BROKER_URL": short_timeout_rabbit.url, "CELERY_MAX_COUNTDOWN": "2"}
    worker = ShopProcess("worker", tmp_path, env, *WORKER, "--hostname", "short@%h")
    try:
        wait_until(lambda: "ready" in worker.text(), timeout=30)
        order, _created = order_create_from_lines(
            user=UserFactory(),
            lines=[
                OrderLine(
                    sku_id=make_product().skus.get().pk, quantity=1, unit_price=Decimal("100.00")
                )
            ],
            source="web",
            idempotency_key="short-timeout-order",
            pay_timeout=12,  # more than twice the broker's 5 s
        )
        wait_until(
            lambda: Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED,
            timeout=40,
            interval=0.5,
        )
        assert worker.alive()
        assert "PRECONDITION_FAILED" not in worker.text()
        # The same broker, a countdown that does not hop: the timeout is real and the
        # broker throws the worker's channel out.
        order_close_overdue_task.apply_async(args=[order.pk], countdown=15)
        wait_until(lambda: "PRECONDITION_FAILED" in worker.text(), timeout=40, interval=0.5)
    finally:
        worker.stop()
