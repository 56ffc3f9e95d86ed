"""What happens after an order commits: each side effect on its own, sales counts outside
the order's transaction."""

import io
import json
import logging
from datetime import timedelta
from decimal import Decimal

import pytest
import redis
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from catalog.cache import catalog_version
from catalog.models import Product, Sku
from catalog.tests.factories import make_product
from orders import services, tasks
from orders.errors import OutOfStock
from orders.models import ActorType, Message, Order, OrderStatus
from orders.services import checkout
from orders.tests.conftest import fill_cart, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """What the project's console handler writes (its filters and format: JSON, as in
    production)."""
    console = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous = console.setStream(stream)
    yield lambda: stream.getvalue().splitlines()
    console.setStream(previous)


def test_order_stands_when_the_broker_and_redis_fail_after_commit(
    client, buyer, monkeypatch, log_lines, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("broker unreachable")

    def redis_down(**kwargs):
        raise redis.ConnectionError("redis unreachable")

    monkeypatch.setattr(tasks.order_close_overdue_task, "apply_async", broker_down)
    monkeypatch.setattr(checkout, "cart_remove", redis_down)
    client.force_login(buyer)
    sku = make_product(name="Lamp").skus.get()
    fill_cart(buyer, (sku, 1))
    html = client.get(reverse("orders:checkout")).content.decode()
    token = html.split('name="token" value="')[1].split('"')[0]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("orders:checkout"),
            {"token": token, "expected_total": "100.00", "address": buyer.address.pk},
            HTTP_X_REQUEST_ID="rid-side-effects-1",
        )
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == order.get_absolute_url()
    # cart cleanup, countdown, notification, the orders counter (config.metrics); the
    # notification (inline here) adds its own: the shopper's unread count is forgotten once
    # the message is written.
    assert len(callbacks) == 5
    # The notification still went out, after the two failures before it.
    assert [m.subject.split(":")[0] for m in mail.outbox] == [f"Order {order.order_no} placed"]
    # Django's logger for failed robust callbacks ("django.db.backends.base"; the test
    # client's capture uses "django.test"), with the request's id on each line.
    failures = [json.loads(line) for line in log_lines() if "Error calling" in line]
    assert len(failures) == 2
    assert all(
        (f["level"], f["request_id"], f["logger"][:7]) == ("ERROR", "rid-side-effects-1", "django.")
        for f in failures
    )
    assert "(redis unreachable)" in failures[0]["message"]
    assert "(broker unreachable)" in failures[1]["message"]


def test_the_sweep_closes_an_order_whose_countdown_was_never_scheduled(buyer, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("broker unreachable")

    monkeypatch.setattr(tasks.order_close_overdue_task, "apply_async", broker_down)
    sku = make_product().skus.get()
    order = place_order(buyer, sku, 2)
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
    assert services.orders_close_overdue() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert sku.movements.latest("pk").reason == "timeout"


def test_sales_counts_move_after_the_payment_commits_not_inside_it(
    buyer, django_capture_on_commit_callbacks
):
    first = make_product(name="First").skus.get()
    second = make_product(name="Second").skus.get()
    fill_cart(buyer, (first, 2), (second, 1))
    order, _ = services.order_create_from_cart(user=buyer, address_id=buyer.address.pk)
    before = catalog_version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.order_mark_paid(order_id=order.pk, actor_type=ActorType.MERCHANT)
        # Inside the payment's transaction the products' rows were not touched.
        assert list(Product.objects.order_by("pk").values_list("sales_count", flat=True)) == [
            0,
            0,
        ]
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert list(Product.objects.order_by("pk").values_list("sales_count", flat=True)) == [2, 1]
    assert catalog_version() > before


def _lines(sku, quantity=1):
    return [services.OrderLine(sku_id=sku.pk, quantity=quantity, unit_price=Decimal("9.90"))]


def test_orders_made_in_a_batch_queue_one_countdown_and_one_notification(
    buyer, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []

    def recorder(name):
        return lambda *args, **kwargs: sent.append((name, kwargs.get("args") or args))

    for task in (
        tasks.order_close_overdue_task,
        tasks.order_close_overdue_many_task,
        tasks.order_notify_task,
        tasks.order_notify_many_task,
    ):
        monkeypatch.setattr(task, "apply_async", recorder(task.name.rsplit(".", 1)[1]))
        monkeypatch.setattr(task, "delay", recorder(task.name.rsplit(".", 1)[1]))
    sku = make_product().skus.get()
    made = []
    # The test's transaction stands for the consumer's: its callbacks run at the end.
    with django_capture_on_commit_callbacks(execute=True):
        with services.order_effects_batched():
            for key, quantity in (("a", 1), ("b", 50), ("c", 1)):  # b is short: rolled back
                try:
                    order, _ = services.order_create_from_lines(
                        user=buyer,
                        lines=_lines(sku, quantity),
                        source="seckill",
                        idempotency_key=key,
                        pay_timeout=300,
                    )
                    made.append(order.pk)
                except OutOfStock:
                    pass
        assert sent == []  # nothing goes out before the orders commit
    assert len(made) == 2
    assert sent == [
        ("order_close_overdue_many_task", [sorted(made)]),
        ("order_notify_many_task", [made, "created"]),
    ]


def test_a_batch_whose_broker_is_down_logs_it_and_the_sweep_closes_the_orders(
    buyer, monkeypatch, log_lines, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("broker unreachable")

    monkeypatch.setattr(tasks.order_close_overdue_many_task, "apply_async", broker_down)
    monkeypatch.setattr(tasks.order_notify_many_task, "apply_async", broker_down)
    sku = make_product().skus.get()
    with django_capture_on_commit_callbacks(execute=True), services.order_effects_batched():
        order, _ = services.order_create_from_lines(
            user=buyer, lines=_lines(sku), source="seckill", idempotency_key="k", pay_timeout=1
        )
    failures = [line for line in log_lines() if "could not queue" in line]
    assert len(failures) == 2
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
    assert services.orders_close_overdue() == 1


def test_the_batch_countdown_closes_each_overdue_order_and_leaves_the_rest(buyer, monkeypatch):
    sku = make_product().skus.get()
    overdue, open_order = place_order(buyer, sku), place_order(buyer, sku)
    Order.objects.filter(pk=overdue.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
    tasks.order_close_overdue_many_task.apply(args=[[overdue.pk, open_order.pk, 10**9]])
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {
        overdue.pk: OrderStatus.CANCELLED,
        open_order.pk: OrderStatus.PENDING_PAYMENT,
    }


def test_the_batch_notification_queues_a_failed_one_on_its_own(buyer, monkeypatch):
    sku = make_product().skus.get()
    first, second = place_order(buyer, sku), place_order(buyer, sku)
    real = tasks.notifications.order_notify
    retried = []

    def mail_down_for_first(*, order_id, kind):
        if order_id == first.pk:
            raise ConnectionError("smtp unreachable")
        real(order_id=order_id, kind=kind)

    monkeypatch.setattr(tasks.notifications, "order_notify", mail_down_for_first)
    monkeypatch.setattr(tasks.order_notify_task, "delay", lambda *args: retried.append(args))
    tasks.order_notify_many_task.apply(args=[[first.pk, second.pk], "created"])
    assert retried == [(first.pk, "created")]
    assert list(Message.objects.values_list("order_id", flat=True)) == [second.pk]


def test_a_line_that_brings_its_sku_must_give_its_price():
    with pytest.raises(ValueError, match="price"):
        services.OrderLine(sku_id=1, quantity=1, sku=Sku(pk=1))
