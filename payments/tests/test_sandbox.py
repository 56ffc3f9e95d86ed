"""Paying with the sandbox end to end, through the real callback endpoint served by a live
server, and every class of bad notification refused."""

import json
import threading
import time
from datetime import timedelta

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, OrderEvent, OrderStatus
from orders.services import order_cancel, order_close_overdue
from orders.tests.conftest import place_order
from payments.models import NotificationOutcome, Payment, PaymentNotification, SandboxTrade
from payments.providers.sandbox import notification_for, sign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gateway(settings, live_server):
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    return live_server.url + reverse("payments:notify", args=["sandbox"])


def start(client, order) -> Payment:
    response = client.post(reverse("payments:pay", args=[order.order_no]), {"provider": "sandbox"})
    payment = Payment.objects.get(order=order)
    assert response["Location"] == reverse("payments:sandbox", args=[payment.payment_no])
    return payment


def paid_events(order) -> int:
    return OrderEvent.objects.filter(order=order, to_status=OrderStatus.PAID).count()


def test_a_shopper_pays_with_the_sandbox_and_the_order_turns_paid(client, buyer, gateway):
    order = place_order(buyer)
    client.force_login(buyer)
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'name="provider" value="sandbox" checked' in page
    payment = start(client, order)
    gateway_page = client.get(reverse("payments:sandbox", args=[payment.payment_no]))
    assert str(order.total_amount) in gateway_page.content.decode().replace(",", "")
    client.post(reverse("payments:sandbox", args=[payment.payment_no]), {"outcome": "pay"})
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert (payment.status, payment.provider_trade_no) == (
        "succeeded",
        "SBX" + payment.payment_no[1:],
    )
    note = PaymentNotification.objects.get(verified=True)
    assert (note.outcome, note.payment_id) == (NotificationOutcome.ACCEPTED, payment.pk)
    assert paid_events(order) == 1


def test_a_failed_payment_leaves_the_order_to_pay_and_a_new_attempt_works(client, buyer, gateway):
    order = place_order(buyer)
    client.force_login(buyer)
    first = start(client, order)
    client.post(reverse("payments:sandbox", args=[first.payment_no]), {"outcome": "fail"})
    first.refresh_from_db()
    order.refresh_from_db()
    assert (first.status, order.status) == ("failed", OrderStatus.PENDING_PAYMENT)
    client.post(reverse("payments:pay", args=[order.order_no]), {"provider": "sandbox"})
    second = Payment.objects.exclude(pk=first.pk).get(order=order)
    client.post(reverse("payments:sandbox", args=[second.payment_no]), {"outcome": "pay"})
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_every_notification_delivered_twice_changes_the_order_once(
    client, buyer, gateway, settings
):
    settings.PAYMENTS_SANDBOX_DUPLICATES = True
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start(client, order)
    client.post(reverse("payments:sandbox", args=[payment.payment_no]), {"outcome": "pay"})
    assert PaymentNotification.objects.filter(verified=True).count() == 1
    assert paid_events(order) == 1


def test_ten_concurrent_copies_of_a_notification_make_one_transition(client, buyer, gateway):
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start(client, order)
    SandboxTrade.objects.filter(payment_no=payment.payment_no).update(
        status="paid", paid_at=timezone.now()
    )
    headers, body = notification_for(
        SandboxTrade.objects.get(payment_no=payment.payment_no), notification_id="n-1"
    )
    barrier = threading.Barrier(10)
    answers = []

    def deliver():
        barrier.wait()
        answers.append(requests.post(gateway, data=body, headers=headers, timeout=20).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 10  # the gateway is told all is well every time
    assert paid_events(order) == 1
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"


def _signed(payment, **overrides):
    data = {
        "id": "n-bad",
        "payment_no": payment.payment_no,
        "trade_no": "T1",
        "status": "SUCCESS",
        "amount": str(payment.amount),
        "merchant_id": "sandbox-merchant",
        **overrides,
    }
    body = json.dumps(data).encode()
    stamp = str(int(time.time()))
    return {"X-Sandbox-Timestamp": stamp, "X-Sandbox-Signature": sign(stamp, body)}, body


@pytest.mark.parametrize("forge", ["signature", "tampered", "replayed", "merchant", "amount"])
def test_bad_notifications_are_recorded_and_change_nothing(client, buyer, gateway, forge):
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start(client, order)
    headers, body = _signed(payment)
    if forge == "signature":
        headers["X-Sandbox-Signature"] = "0" * 64
    elif forge == "tampered":
        body = body.replace(b'"SUCCESS"', b'"SUCCESS" ')
    elif forge == "replayed":
        old = str(int(time.time()) - 600)
        headers = {"X-Sandbox-Timestamp": old, "X-Sandbox-Signature": sign(old, body)}
    elif forge == "merchant":
        headers, body = _signed(payment, merchant_id="someone-else")
    elif forge == "amount":
        headers, body = _signed(payment, amount="0.01")
    answer = requests.post(gateway, data=body, headers=headers, timeout=20)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == (OrderStatus.PENDING_PAYMENT, "pending")
    note = PaymentNotification.objects.get()
    assert note.outcome == NotificationOutcome.REJECTED
    if forge == "amount":  # genuine but wrong: accepted by the gateway contract, not applied
        assert answer.status_code == 200 and note.verified and "amount" in note.detail
    else:
        assert answer.status_code == 400 and answer.json()["code"] == "FAIL"
        assert not note.verified


def test_a_forged_notification_cannot_block_the_genuine_one_with_its_id(client, buyer, gateway):
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start(client, order)
    headers, body = _signed(payment, id="n-real")
    forged = {**headers, "X-Sandbox-Signature": "f" * 64}
    assert requests.post(gateway, data=body, headers=forged, timeout=20).status_code == 400
    assert requests.post(gateway, data=body, headers=headers, timeout=20).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_money_for_a_cancelled_order_is_kept_and_flagged_for_refund(client, buyer, gateway):
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start(client, order)
    headers, body = _signed(payment, id="n-late")
    # The shopper cancels; the gateway had no payment then (the sandbox trade is closed).
    order_cancel(order_id=order.pk, actor_type="shopper", reason="changed my mind")
    payment.refresh_from_db()
    assert payment.status == "closed"
    # Yet a genuine success arrives (the gateway's close raced the shopper's payment).
    assert requests.post(gateway, data=body, headers=headers, timeout=20).status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert (payment.status, payment.refund_due) == ("succeeded", True)


@pytest.mark.parametrize("paid_at_gateway", [True, False])
def test_the_timeout_asks_the_gateway_first(client, buyer, gateway, paid_at_gateway):
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start(client, order)
    if paid_at_gateway:  # paid, but the notification never came
        SandboxTrade.objects.filter(payment_no=payment.payment_no).update(
            status="paid", paid_at=timezone.now()
        )
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
    closed = order_close_overdue(order_id=order.pk)
    order.refresh_from_db()
    payment.refresh_from_db()
    trade = SandboxTrade.objects.get(payment_no=payment.payment_no)
    if paid_at_gateway:
        assert (closed, order.status, payment.status) == (False, OrderStatus.PAID, "succeeded")
    else:
        assert (closed, order.status, payment.status) == (True, OrderStatus.CANCELLED, "closed")
        assert trade.status == "closed"  # nothing can be paid after the cancel


def test_only_the_owner_pays_an_order_and_only_while_it_is_unpaid(client, buyer, gateway):
    from accounts.tests.factories import UserFactory

    order = place_order(buyer)
    client.force_login(UserFactory())
    url = reverse("payments:pay", args=[order.order_no])
    assert client.post(url, {"provider": "sandbox"}).status_code == 404
    client.force_login(buyer)
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
    page = client.post(url, {"provider": "sandbox"}, follow=True).content.decode()
    assert "This order cannot be paid now." in page
    assert client.post(url, {"provider": "bitcoin"}, follow=True).status_code == 200
    assert not Payment.objects.exists()


def test_the_merchant_sees_payments_and_asks_the_gateway_about_a_pending_one(
    client, buyer, gateway
):
    from django.contrib.auth.models import Group

    from accounts.permissions import MERCHANTS_GROUP
    from accounts.tests.factories import UserFactory

    order = place_order(buyer)
    client.force_login(buyer)
    payment = start(client, order)
    SandboxTrade.objects.filter(payment_no=payment.payment_no).update(
        status="paid", paid_at=timezone.now()
    )  # paid at the gateway; its notification is lost
    merchant = UserFactory(is_staff=True)
    merchant.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    client.force_login(merchant)
    listing = client.get(reverse("admin:payments_payment_changelist")).content.decode()
    assert payment.payment_no in listing
    assert "No payments in the last 14 days." in listing  # none succeeded yet
    client.post(
        reverse("admin:payments_payment_changelist"),
        {"action": "query_gateway", "_selected_action": [payment.pk]},
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert client.get(reverse("admin:payments_paymentnotification_changelist")).status_code == 200
    totals = client.get(reverse("admin:payments_payment_changelist")).context["daily_totals"]
    assert [(t["day"], t["provider"], t["count"], t["amount"]) for t in totals] == [
        (timezone.localdate(), "sandbox", 1, order.total_amount)
    ]


def test_the_order_page_says_how_and_when_it_was_paid(client, buyer, gateway):
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start(client, order)
    client.post(reverse("payments:sandbox", args=[payment.payment_no]), {"outcome": "pay"})
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Paid with Sandbox (test payments) at " in page
    chinese = client.get(order.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "通过沙箱支付（测试）付款于 " in chinese
    listing = client.get(reverse("orders:list")).content.decode()
    assert listing.count("Paid with Sandbox (test payments) at ") == 1


def test_beat_asks_the_gateway_about_payments_pending_over_ten_minutes(client, buyer, gateway):
    from django.conf import settings

    from payments.services import payments_query_stale

    schedule = settings.CELERY_BEAT_SCHEDULE["payments-query-stale"]
    assert schedule["task"] == "payments.tasks.payments_query_stale_task"
    client.force_login(buyer)
    old, fresh = place_order(buyer), place_order(buyer)
    for order in (old, fresh):
        payment = start(client, order)
        SandboxTrade.objects.filter(payment_no=payment.payment_no).update(
            status="paid", paid_at=timezone.now()
        )  # paid at the gateway; the notifications are lost
    Payment.objects.filter(order=old).update(created_at=timezone.now() - timedelta(minutes=11))
    assert payments_query_stale() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == (OrderStatus.PAID, OrderStatus.PENDING_PAYMENT)


def test_a_switched_off_method_takes_no_callbacks(client, buyer, gateway, settings):
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start(client, order)
    headers, body = _signed(payment, id="n-off")
    settings.PAYMENTS_PROVIDERS = []
    answer = requests.post(gateway, data=body, headers=headers, timeout=20)
    assert answer.status_code == 404
    assert not PaymentNotification.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_a_payment_racing_the_timeout_is_either_paid_or_cancelled_and_refunded(
    client, buyer, gateway
):
    from django.db import connections

    client.force_login(buyer)
    for _ in range(5):
        order = place_order(buyer)
        payment = start(client, order)
        Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now())
        barrier = threading.Barrier(2)

        def shopper_pays(payment_no=payment.payment_no, barrier=barrier):
            barrier.wait()
            # The gateway takes the money only while its trade is open (a close wins the race).
            if SandboxTrade.objects.filter(payment_no=payment_no, status="open").update(
                status="paid", paid_at=timezone.now()
            ):
                trade = SandboxTrade.objects.get(payment_no=payment_no)
                headers, body = notification_for(trade, notification_id=f"race-{payment_no}")
                requests.post(gateway, data=body, headers=headers, timeout=20)
            connections.close_all()

        def timeout_fires(order_id=order.pk, barrier=barrier):
            barrier.wait()
            order_close_overdue(order_id=order_id)
            connections.close_all()

        threads = [threading.Thread(target=shopper_pays), threading.Thread(target=timeout_fires)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        order.refresh_from_db()
        payment.refresh_from_db()
        trade = SandboxTrade.objects.get(payment_no=payment.payment_no)
        if order.status == OrderStatus.PAID:
            assert (payment.status, payment.refund_due) == ("succeeded", False)
        else:
            assert order.status == OrderStatus.CANCELLED
            if trade.status == "paid":  # the money came after the cancel: it goes back
                assert (payment.status, payment.refund_due) == ("succeeded", True)
            else:  # the close came first: nothing was paid
                assert (trade.status, payment.status) == ("closed", "closed")
        assert OrderEvent.objects.filter(order=order).exclude(from_status="").count() == 1


def test_refused_notifications_are_kept_small_and_limited_per_address(client, settings):
    from config.metrics import NOTIFICATIONS_REFUSED_UNSTORED

    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    settings.PAYMENTS_REFUSED_PER_MINUTE = 3
    settings.PAYMENTS_REFUSED_KEEP_BYTES = 2048
    unstored = NOTIFICATIONS_REFUSED_UNSTORED.labels(provider="sandbox")
    before = unstored._value.get()
    url = reverse("payments:notify", args=["sandbox"])
    answers = [
        client.post(url, b"x" * 300_000, content_type="application/json").status_code
        for _ in range(5)
    ]
    assert answers == [400, 400, 400, 429, 429]
    kept = list(PaymentNotification.objects.values_list("body", "outcome"))
    assert len(kept) == 3
    assert all(len(body) == 2048 and outcome == "rejected" for body, outcome in kept)
    assert unstored._value.get() - before == 2
    # Another address still has its own minute.
    other = client.post(url, b"{}", content_type="application/json", REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 400 and PaymentNotification.objects.count() == 4
