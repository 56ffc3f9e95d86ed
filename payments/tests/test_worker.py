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
