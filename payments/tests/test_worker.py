"""A sandbox notification processed by a real Celery worker on the Redis broker."""

import time

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from orders.models import OrderStatus
from orders.tests.conftest import place_order
from payments.models import NotificationOutcome, PaymentNotification, SandboxTrade
from payments.providers.sandbox import notification_for
from payments.tests.test_sandbox import start

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_callback_answers_at_once_and_the_worker_makes_the_order_paid(
    client, buyer, settings, live_server, real_worker
):
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start(client, order)
    SandboxTrade.objects.filter(payment_no=payment.payment_no).update(
        status="paid", paid_at=timezone.now()
    )
    headers, body = notification_for(
        SandboxTrade.objects.get(payment_no=payment.payment_no), notification_id="n-worker"
    )
    url = live_server.url + reverse("payments:notify", args=["sandbox"])
    answer = requests.post(url, data=body, headers=headers, timeout=20)
    assert answer.json() == {"code": "SUCCESS"}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        order.refresh_from_db()
        if order.status == OrderStatus.PAID:
            break
        time.sleep(0.2)
    assert order.status == OrderStatus.PAID
    note = PaymentNotification.objects.get(notification_id="n-worker")
    assert note.outcome == NotificationOutcome.ACCEPTED and note.processed_at is not None


def test_an_approved_refund_is_paid_out_by_the_worker(
    client, buyer, settings, live_server, real_worker
):
    """Approval commits at once; the worker calls the sandbox, whose signed refund
    notification comes back through the callback and the worker again."""
    from accounts.tests.factories import UserFactory
    from payments.models import Refund
    from payments.services import aftersale_approve, aftersale_request_create
    from payments.tests.conftest import aftersale_reason

    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start(client, order)
    client.post(reverse("payments:sandbox", args=[payment.payment_no]), {"outcome": "pay"})
    _wait(lambda: order_status(order) == OrderStatus.PAID)
    request = aftersale_request_create(
        user=buyer,
        order_no=order.order_no,
        kind="refund",
        reason_id=aftersale_reason("refund"),
        amount=order.total_amount,
    )
    aftersale_approve(request_no=request.request_no, actor=UserFactory(is_staff=True))
    assert _wait(lambda: order_status(order) == OrderStatus.REFUNDED)
    refund = Refund.objects.get()
    assert (refund.status, refund.attempts) == ("succeeded", 1)
    assert PaymentNotification.objects.filter(parsed__refund_no=refund.refund_no).count() == 1


def order_status(order) -> str:
    order.refresh_from_db()
    return order.status


def _wait(condition, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()
