"""Alipay end to end against the local simulated open-platform gateway (payments/tests/
alipay_sim.py): RSA2-signed requests and answers, the cashier, async notifications."""

import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, OrderEvent, OrderStatus
from orders.services import order_close_overdue
from orders.tests.conftest import place_order
from payments.errors import ProviderUnavailable
from payments.models import NotificationOutcome, Payment, PaymentNotification
from payments.services import payment_apply_query, payments_reconcile
from payments.tests.conftest import aftersale_reason
from payments.tests.keys import KeyPair

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


def start(client, order, agent=DESKTOP) -> tuple[Payment, str]:
    response = client.post(
        reverse("payments:pay", args=[order.order_no]),
        {"provider": "alipay"},
        HTTP_USER_AGENT=agent,
    )
    return Payment.objects.get(order=order, provider="alipay"), response["Location"]


def paid_events(order) -> int:
    return OrderEvent.objects.filter(order=order, to_status=OrderStatus.PAID).count()


def test_page_pay_at_the_cashier_makes_the_order_paid(client, buyer, alipay, settings):
    order = place_order(buyer)
    client.force_login(buyer)
    payment, location = start(client, order)
    assert location.startswith(settings.ALIPAY_GATEWAY + "?")
    sent = dict(parse_qsl(urlsplit(location).query))
    biz = json.loads(sent["biz_content"])
    assert (sent["method"], sent["sign_type"], sent["app_id"]) == (
        "alipay.trade.page.pay",
        "RSA2",
        alipay.app_id,
    )
    assert (biz["out_trade_no"], biz["total_amount"], biz["product_code"]) == (
        payment.payment_no,
        str(order.total_amount),
        "FAST_INSTANT_TRADE_PAY",
    )
    assert sent["notify_url"] == alipay.notify_url
    cashier = requests.get(location, timeout=10).text  # the shopper's browser opens it
    assert "支付宝收银台" in cashier and str(order.total_amount) in cashier
    paid = requests.post(
        f"{alipay.base}/cashier/{payment.payment_no}/pay", allow_redirects=False, timeout=20
    )
    back = urlsplit(paid.headers["Location"])
    assert back.path == order.get_absolute_url()  # the shopper returns to the order
    order.refresh_from_db()
    payment.refresh_from_db()
    trade = alipay.trades[payment.payment_no]
    assert order.status == OrderStatus.PAID and paid_events(order) == 1
    assert (payment.status, payment.provider_trade_no) == ("succeeded", trade.trade_no)
    note = PaymentNotification.objects.get()
    assert (note.provider, note.outcome, note.verified) == (
        "alipay",
        NotificationOutcome.ACCEPTED,
        True,
    )


def test_phones_get_wap_pay_and_the_api_says_where_to_go(client, buyer, alipay, settings):
    order = place_order(buyer)
    client.force_login(buyer)
    payment, location = start(client, order, agent=PHONE)
    sent = dict(parse_qsl(urlsplit(location).query))
    biz = json.loads(sent["biz_content"])
    assert (sent["method"], biz["product_code"]) == ("alipay.trade.wap.pay", "QUICK_WAP_PAY")
    assert biz["quit_url"].endswith(order.get_absolute_url())
    url = reverse("api-order-pay", args=[order.order_no])
    mobile = client.post(
        url, {"provider": "alipay", "channel": "mobile"}, "application/json"
    ).json()
    assert mobile["payment_no"] == payment.payment_no  # the open attempt is reused
    assert mobile["redirect_url"].startswith(settings.ALIPAY_GATEWAY + "?")
    inside = client.post(url, {"provider": "alipay", "channel": "miniprogram"}, "application/json")
    assert (inside.status_code, inside.json()["code"]) == (400, 40005)


def test_a_repeated_notification_and_the_later_trade_finished_change_nothing_more(
    client, buyer, alipay
):
    order = place_order(buyer)
    client.force_login(buyer)
    payment, location = start(client, order)
    requests.get(location, timeout=10)
    alipay.pay(payment.payment_no, deliver=False)
    trade = alipay.trades[payment.payment_no]
    first = alipay.notification(trade)
    for _ in range(2):
        answer = requests.post(alipay.notify_url, data=first, timeout=20)
        assert (answer.status_code, answer.text) == (200, "success")
    finished = alipay.notification(trade, trade_status="TRADE_FINISHED")
    assert requests.post(alipay.notify_url, data=finished, timeout=20).text == "success"
    assert paid_events(order) == 1
    outcomes = sorted(PaymentNotification.objects.values_list("outcome", flat=True))
    assert outcomes == [NotificationOutcome.ACCEPTED, NotificationOutcome.DUPLICATE]


def test_waiting_for_the_buyer_is_recorded_and_changes_nothing(client, buyer, alipay):
    order = place_order(buyer)
    client.force_login(buyer)
    payment, location = start(client, order)
    requests.get(location, timeout=10)
    waiting = alipay.notification(alipay.trades[payment.payment_no])
    assert requests.post(alipay.notify_url, data=waiting, timeout=20).text == "success"
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert PaymentNotification.objects.get().detail == "waiting for the buyer"


BAD = ["signature", "tampered", "unsigned", "sign_type", "app_id", "seller_id", "amount"]


@pytest.mark.parametrize("forge", BAD)
def test_bad_notifications_are_recorded_and_change_nothing(client, buyer, alipay, forge):
    order = place_order(buyer)
    client.force_login(buyer)
    payment, location = start(client, order)
    requests.get(location, timeout=10)
    alipay.pay(payment.payment_no, deliver=False)
    trade = alipay.trades[payment.payment_no]
    if forge == "signature":
        form = alipay.notification(trade, sign_with=KeyPair.generate())
    elif forge == "tampered":
        form = {**alipay.notification(trade), "total_amount": "0.01"}
    elif forge == "unsigned":
        form = alipay.notification(trade)
        del form["sign"]
    elif forge == "sign_type":
        form = {**alipay.notification(trade), "sign_type": "RSA"}
    elif forge == "app_id":
        form = alipay.notification(trade, app_id="2021000000009999")
    elif forge == "seller_id":
        form = alipay.notification(trade, seller_id="2088000000000000")
    else:
        form = alipay.notification(trade, total_amount="0.01")  # genuinely signed, wrong sum
    answer = requests.post(alipay.notify_url, data=form, timeout=20)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == (OrderStatus.PENDING_PAYMENT, "pending")
    note = PaymentNotification.objects.get()
    assert note.outcome == NotificationOutcome.REJECTED
    if forge == "amount":
        assert answer.text == "success" and note.verified and "amount" in note.detail
    else:
        assert (answer.status_code, answer.text) == (400, "failure")
        assert not note.verified and note.detail
    assert f"out_trade_no={payment.payment_no}" in note.body  # kept raw


@pytest.mark.parametrize("at_gateway", ["paid", "opened", "never_opened"])
def test_the_timeout_queries_then_closes_the_trade(client, buyer, alipay, at_gateway):
    order = place_order(buyer)
    client.force_login(buyer)
    payment, location = start(client, order)
    if at_gateway != "never_opened":
        requests.get(location, timeout=10)
    if at_gateway == "paid":  # paid, the notification lost
        alipay.pay(payment.payment_no, deliver=False)
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
    order_close_overdue(order_id=order.pk)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert "alipay.trade.query" in alipay.calls
    if at_gateway == "paid":
        assert (order.status, payment.status) == (OrderStatus.PAID, "succeeded")
        assert "alipay.trade.close" not in alipay.calls
    else:
        assert (order.status, payment.status) == (OrderStatus.CANCELLED, "closed")
        assert "alipay.trade.close" in alipay.calls
    if at_gateway == "opened":
        assert alipay.trades[payment.payment_no].status == "TRADE_CLOSED"


def test_an_answer_not_signed_by_alipay_is_not_believed(client, buyer, alipay):
    order = place_order(buyer)
    client.force_login(buyer)
    payment, location = start(client, order)
    requests.get(location, timeout=10)
    alipay.pay(payment.payment_no, deliver=False)
    alipay.alipay = KeyPair.generate()  # someone in the middle answers "paid"
    with pytest.raises(ProviderUnavailable):
        payment_apply_query(payment_id=payment.pk)
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_reconciliation_reads_the_bill_zip_and_reports_planted_mismatches(client, buyer, alipay):
    client.force_login(buyer)
    payments = []
    for _ in range(3):
        order = place_order(buyer)
        payment, location = start(client, order)
        requests.get(location, timeout=10)
        alipay.pay(payment.payment_no)
        payments.append(payment)
    good, wrong_amount, missing = payments
    alipay.trades[wrong_amount.payment_no].total_amount = str(wrong_amount.amount - 1)
    del alipay.trades[missing.payment_no]  # the bill never heard of this one
    run = payments_reconcile(day=timezone.localdate(), provider="alipay")
    assert "alipay.data.dataservice.bill.downloadurl.query" in alipay.calls
    assert (run.local_count, run.bill_count) == (3, 2)
    assert sorted((m["payment_no"], m["problem"], m["theirs"]) for m in run.mismatches) == sorted(
        [
            (wrong_amount.payment_no, "amount", str(wrong_amount.amount - 1)),
            (missing.payment_no, "missing_in_bill", None),
        ]
    )
    assert good.payment_no not in str(run.mismatches)


# --- Refunds ---------------------------------------------------------------------------------


def _paid(client, buyer, alipay, quantity=1):
    order = place_order(buyer, quantity=quantity)
    client.force_login(buyer)
    payment, location = start(client, order)
    requests.get(location, timeout=10)
    alipay.pay(payment.payment_no)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order, payment


def test_refunds_through_alipay_partial_then_full_confirmed_by_a_query(client, buyer, alipay):
    from accounts.tests.factories import UserFactory
    from payments.models import Refund
    from payments.services import (
        aftersale_approve,
        aftersale_refund_retry,
        aftersale_request_create,
    )

    merchant = UserFactory(is_staff=True)
    order, payment = _paid(client, buyer, alipay)
    first = aftersale_request_create(
        user=buyer,
        order_no=order.order_no,
        kind="refund",
        reason_id=aftersale_reason(),
        amount="1.00",
    )
    alipay.refuse_refunds = "ACQ.SELLER_BALANCE_NOT_ENOUGH"
    aftersale_approve(request_no=first.request_no, actor=merchant)
    first.refresh_from_db()
    assert first.status == "refund_failed"
    assert first.refund_error == "ACQ.SELLER_BALANCE_NOT_ENOUGH: 卖家余额不足"
    alipay.refuse_refunds = ""
    aftersale_refund_retry(request_no=first.request_no, actor=merchant)
    first.refresh_from_db()
    refund = Refund.objects.get()
    assert first.status == "refunded" and refund.status == "succeeded"
    assert alipay.calls.count("alipay.trade.fastpay.refund.query") >= 1  # confirmed by a query
    assert list(alipay.refunds) == [refund.refund_no]  # out_request_no is our refund number
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.PAID, 1)
    rest = aftersale_request_create(
        user=buyer,
        order_no=order.order_no,
        kind="refund",
        reason_id=aftersale_reason(),
        amount=order.total_amount - 1,
    )
    aftersale_approve(request_no=rest.request_no, actor=merchant)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, order.total_amount)
    # Sending a refund number again moves no money (Alipay's fund_change "N").
    from payments.providers.alipay import AlipayProvider

    again = AlipayProvider().refund(refund=refund)
    assert again.outcome == "succeeded"
    assert sum(Decimal(a) for _n, a, _t in alipay.refunds.values()) == order.total_amount
    run = payments_reconcile(day=timezone.localdate(), provider="alipay")
    assert (run.mismatches, run.local_count, run.bill_count) == ([], 3, 3)


def test_a_lost_alipay_refund_call_is_sent_again_with_the_same_number(
    client, buyer, alipay, settings
):
    from payments.models import Refund
    from payments.services import refund_open, refunds_query_stale

    order, payment = _paid(client, buyer, alipay)
    gateway, settings.ALIPAY_GATEWAY = settings.ALIPAY_GATEWAY, "http://127.0.0.1:9/gateway.do"
    with transaction.atomic():  # the call after commit cannot reach Alipay
        refund = refund_open(payment=payment, amount=order.total_amount)
    refund.refresh_from_db()
    assert refund.status == "pending" and not alipay.refunds
    settings.ALIPAY_GATEWAY = gateway
    Refund.objects.filter(pk=refund.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    assert refunds_query_stale() == 1  # unknown there: sent again, then confirmed
    refund.refresh_from_db()
    assert refund.status == "succeeded" and list(alipay.refunds) == [refund.refund_no]


def test_a_return_paid_back_through_alipay(client, buyer, alipay):
    from accounts.tests.factories import UserFactory
    from orders.services import order_confirm_receipt, order_ship
    from payments.services import (
        aftersale_approve,
        aftersale_goods_received,
        aftersale_request_create,
        aftersale_return_shipped,
    )

    merchant = UserFactory(is_staff=True)
    order, payment = _paid(client, buyer, alipay, quantity=2)
    order_ship(order_id=order.pk, carrier="SF", tracking_no="SF1234567890", actor=merchant)
    order_confirm_receipt(order_id=order.pk, user=buyer)  # completed: a return is still open
    item = order.items.get()
    request = aftersale_request_create(
        user=buyer,
        order_no=order.order_no,
        kind="return",
        reason_id=aftersale_reason(),
        amount=item.unit_price * 2,
        items={item.pk: 2},
    )
    aftersale_approve(request_no=request.request_no, actor=merchant)
    aftersale_return_shipped(
        request_no=request.request_no, user=buyer, carrier="YTO", tracking_no="YT0000001"
    )
    aftersale_goods_received(request_no=request.request_no, actor=merchant)
    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == "refunded"
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, order.total_amount)
    refunded = [a for no, a, _t in alipay.refunds.values() if no == payment.payment_no]
    assert refunded == [f"{item.unit_price * 2:.2f}"]


def test_a_close_refused_because_the_trade_is_paid_makes_the_order_paid(client, buyer, alipay):
    from payments.models import Refund

    order = place_order(buyer)
    client.force_login(buyer)
    payment, location = start(client, order)
    requests.get(location, timeout=10)  # at the cashier
    alipay.before_close = lambda trade_no: alipay.pay(trade_no, deliver=False)
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
    assert order_close_overdue(order_id=order.pk) is False
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == (OrderStatus.PAID, "succeeded")
    assert not Refund.objects.exists()


def test_switching_from_a_computer_to_a_phone_opens_a_new_attempt(client, buyer, alipay):
    order = place_order(buyer)
    client.force_login(buyer)
    page, location = start(client, order)
    requests.get(location, timeout=10)
    client.post(
        reverse("payments:pay", args=[order.order_no]),
        {"provider": "alipay"},
        HTTP_USER_AGENT=PHONE,
    )
    wap = Payment.objects.exclude(pk=page.pk).get(order=order)
    page.refresh_from_db()
    assert (page.status, alipay.trades[page.payment_no].status) == ("closed", "TRADE_CLOSED")
    assert (wap.channel, wap.status) == ("mobile", "pending")


def test_a_gateway_down_does_not_keep_the_shopper_from_another_one(client, buyer, alipay, settings):
    """Alipay cannot be reached to close its attempt: paying with the sandbox still works."""
    order = place_order(buyer)
    client.force_login(buyer)
    payment, location = start(client, order)
    settings.ALIPAY_GATEWAY = "http://127.0.0.1:9/gateway.do"  # nobody answers now
    settings.PAYMENTS_PROVIDERS = [*settings.PAYMENTS_PROVIDERS, "sandbox"]
    answer = client.post(reverse("payments:pay", args=[order.order_no]), {"provider": "sandbox"})
    sandbox = Payment.objects.get(order=order, provider="sandbox")
    assert answer["Location"] == reverse("payments:sandbox", args=[sandbox.payment_no])
    assert Payment.objects.get(pk=payment.pk).status == "pending"  # closed later by beat
