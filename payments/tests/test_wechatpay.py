"""WeChat Pay v3 end to end against the local simulated gateway (payments/tests/
wechatpay_sim.py): signed requests, signed answers, encrypted notifications."""

import json
import threading
import time
from datetime import date, timedelta

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, OrderEvent, OrderStatus
from orders.services import order_close_overdue
from orders.tests.conftest import place_order
from payments.models import NotificationOutcome, Payment, PaymentNotification
from payments.services import payments_reconcile
from payments.tests.conftest import aftersale_reason
from payments.tests.keys import KeyPair

pytestmark = pytest.mark.django_db(transaction=True)


def start_native(client, order) -> Payment:
    response = client.post(
        reverse("payments:pay", args=[order.order_no]), {"provider": "wechatpay"}
    )
    payment = Payment.objects.get(order=order, provider="wechatpay")
    assert response["Location"] == reverse("payments:wechat_native", args=[payment.payment_no])
    return payment


def paid_events(order) -> int:
    return OrderEvent.objects.filter(order=order, to_status=OrderStatus.PAID).count()


def test_native_shows_the_code_and_a_scan_makes_the_order_paid(client, buyer, wechatpay):
    order = place_order(buyer)
    client.force_login(buyer)
    assert (
        'name="provider" value="wechatpay"' in client.get(order.get_absolute_url()).content.decode()
    )
    payment = start_native(client, order)
    trade = wechatpay.trades[payment.payment_no]
    assert (trade.trade_type, trade.total) == ("NATIVE", int(order.total_amount * 100))
    assert trade.notify_url == wechatpay.notify_url
    assert payment.checkout == {"code_url": trade.code_url}
    page = client.get(reverse("payments:wechat_native", args=[payment.payment_no]))
    html = page.content.decode()
    assert "<svg" in html and str(order.total_amount) in html.replace(",", "")
    assert f'data-done-url="{order.get_absolute_url()}"' in html
    # Choosing WeChat Pay again shows the same code: no second trade at the gateway.
    start_native(client, order)
    assert [p for m, p in wechatpay.requests if m == "POST"] == ["/v3/pay/transactions/native"]

    answer = wechatpay.pay(payment.payment_no)
    assert (answer.status_code, answer.content) == (204, b"")
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert (payment.status, payment.provider_trade_no) == ("succeeded", trade.transaction_id)
    assert paid_events(order) == 1
    # The pay page has done its work: it sends the shopper to the order.
    again = client.get(reverse("payments:wechat_native", args=[payment.payment_no]))
    assert again["Location"] == order.get_absolute_url()


def test_the_mini_program_gets_signed_jsapi_parameters(client, buyer, wechatpay, key_files):
    from accounts.models import User

    User.objects.filter(pk=buyer.pk).update(wechat_openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    order = place_order(buyer)
    client.force_login(buyer)
    url = reverse("api-order-pay", args=[order.order_no])
    body = client.post(
        url, {"provider": "wechatpay", "channel": "miniprogram"}, "application/json"
    ).json()
    trade = wechatpay.trades[body["payment_no"]]
    params = body["params"]
    assert set(params) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert (params["appId"], params["package"], params["signType"]) == (
        wechatpay.appid,
        f"prepay_id={trade.prepay_id}",
        "RSA",
    )
    assert abs(int(params["timeStamp"]) - time.time()) < 60
    message = (
        "\n".join([params["appId"], params["timeStamp"], params["nonceStr"], params["package"]])
        + "\n"
    )
    merchant = key_files[0]["merchant"]
    assert merchant.verify(message, params["paySign"])
    assert not merchant.verify(message.replace("prepay_id", "prepay_xx"), params["paySign"])
    assert (trade.trade_type, trade.openid) == ("JSAPI", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    wechatpay.pay(body["payment_no"])
    assert (
        client.get(reverse("api-payment", args=[body["payment_no"]])).json()["status"]
        == "succeeded"
    )


def test_jsapi_needs_a_wechat_login(client, buyer, wechatpay):
    order = place_order(buyer)
    client.force_login(buyer)
    answer = client.post(
        reverse("api-order-pay", args=[order.order_no]),
        {"provider": "wechatpay", "channel": "miniprogram"},
        "application/json",
    )
    assert (answer.status_code, answer.json()["code"]) == (400, 40006)
    assert not wechatpay.trades


def test_an_unreachable_gateway_is_a_message_not_an_error(client, buyer, wechatpay):
    order = place_order(buyer)
    client.force_login(buyer)
    wechatpay.stop()
    page = client.post(
        reverse("payments:pay", args=[order.order_no]), {"provider": "wechatpay"}, follow=True
    )
    assert page.status_code == 200
    assert "The payment service cannot be reached just now." in page.content.decode()


def test_an_answer_not_signed_by_wechat_pay_is_not_believed(client, buyer, wechatpay):
    order = place_order(buyer)
    client.force_login(buyer)
    wechatpay.platform = KeyPair.generate()  # someone in the middle answers
    page = client.post(
        reverse("payments:pay", args=[order.order_no]), {"provider": "wechatpay"}, follow=True
    )
    assert "The payment service cannot be reached just now." in page.content.decode()
    assert Payment.objects.get(order=order).checkout == {}


def test_ten_concurrent_copies_of_a_notification_make_one_transition(client, buyer, wechatpay):
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start_native(client, order)
    wechatpay.pay(payment.payment_no, deliver=False)
    headers, body = wechatpay.notification(wechatpay.trades[payment.payment_no])
    barrier = threading.Barrier(10)
    answers = []

    def deliver():
        barrier.wait()
        answers.append(
            requests.post(
                wechatpay.notify_url, data=body.encode(), headers=headers, timeout=20
            ).status_code
        )

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [204] * 10
    assert paid_events(order) == 1
    assert PaymentNotification.objects.filter(verified=True).count() == 1


BAD = ["signature", "tampered", "replayed", "probe", "apiv3_key", "merchant", "appid", "amount"]


@pytest.mark.parametrize("forge", BAD)
def test_bad_notifications_are_recorded_and_change_nothing(client, buyer, wechatpay, forge):
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start_native(client, order)
    trade = wechatpay.trades[payment.payment_no]
    wechatpay.pay(payment.payment_no, deliver=False)
    resource = wechatpay.transaction(trade)
    timestamp = None
    if forge == "merchant":
        resource["mchid"] = "1900000999"
    elif forge == "appid":
        resource["appid"] = "wx0000000000000000"
    elif forge == "amount":
        resource["amount"]["total"] = 1
    elif forge == "replayed":
        timestamp = int(time.time()) - 600  # genuinely signed, ten minutes ago
    headers, body = wechatpay.notification(trade, resource=resource, timestamp=timestamp)
    if forge == "signature":
        wechatpay.platform, genuine = KeyPair.generate(), wechatpay.platform
        headers, body = wechatpay.notification(trade)
        wechatpay.platform = genuine
    elif forge == "tampered":
        body = body.replace('"支付成功"', '"支付成功 "')
    elif forge == "probe":
        headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]
    elif forge == "apiv3_key":
        wechatpay.apiv3_key, genuine = "0" * 32, wechatpay.apiv3_key
        headers, body = wechatpay.notification(trade)
        wechatpay.apiv3_key = genuine
    answer = requests.post(wechatpay.notify_url, data=body.encode(), headers=headers, timeout=20)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == (OrderStatus.PENDING_PAYMENT, "pending")
    note = PaymentNotification.objects.get()
    assert note.outcome == NotificationOutcome.REJECTED
    if forge == "amount":  # genuine but wrong: the gateway is answered, nothing applied
        assert answer.status_code == 204 and note.verified and "amount" in note.detail
    else:
        assert answer.status_code == 400 and answer.json()["code"] == "FAIL"
        assert answer.json()["message"] and not note.verified
    assert json.loads(note.body)["resource"]["algorithm"] == "AEAD_AES_256_GCM"  # kept raw


@pytest.mark.parametrize("paid_at_gateway", [True, False])
def test_the_timeout_queries_then_closes_the_gateway_order(
    client, buyer, wechatpay, paid_at_gateway
):
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start_native(client, order)
    if paid_at_gateway:  # paid, but the notification never came
        wechatpay.pay(payment.payment_no, deliver=False)
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
    closed = order_close_overdue(order_id=order.pk)
    order.refresh_from_db()
    payment.refresh_from_db()
    trade = wechatpay.trades[payment.payment_no]
    query = f"/v3/pay/transactions/out-trade-no/{payment.payment_no}?mchid={wechatpay.mchid}"
    assert ("GET", query) in wechatpay.requests
    if paid_at_gateway:
        assert (closed, order.status, payment.status) == (False, OrderStatus.PAID, "succeeded")
        assert payment.provider_trade_no == trade.transaction_id
    else:
        assert (closed, order.status, payment.status) == (True, OrderStatus.CANCELLED, "closed")
        assert trade.state == "CLOSED"  # nothing can be paid after the cancel


def test_reconciliation_reads_the_trade_bill_and_reports_planted_mismatches(
    client, buyer, wechatpay
):
    client.force_login(buyer)
    payments = []
    for _ in range(3):
        order = place_order(buyer)
        payments.append(start_native(client, order))
        wechatpay.pay(payments[-1].payment_no)
    good, wrong_amount, missing = payments
    wechatpay.trades[wrong_amount.payment_no].total += 100  # the bill says one yuan more
    del wechatpay.trades[missing.payment_no]  # the bill never heard of this one
    day = timezone.localdate()
    run = payments_reconcile(day=day, provider="wechatpay")
    assert (run.local_count, run.bill_count) == (3, 2)
    assert sorted(run.mismatches, key=lambda m: m["problem"]) == [
        {
            "payment_no": wrong_amount.payment_no,
            "problem": "amount",
            "ours": str(wrong_amount.amount),
            "theirs": str(wrong_amount.amount + 1),
        },
        {
            "payment_no": missing.payment_no,
            "problem": "missing_in_bill",
            "ours": str(missing.amount),
            "theirs": None,
        },
    ]
    assert good.payment_no not in str(run.mismatches)
    # A day without trades has no bill: nothing on either side, nothing to report.
    empty = payments_reconcile(day=date(2020, 1, 1), provider="wechatpay")
    assert (empty.bill_count, empty.mismatches) == (0, [])


def test_a_cancel_while_the_gateway_is_down_is_closed_there_by_beat_later(
    client, buyer, wechatpay, settings
):
    from orders.services import order_cancel
    from payments.services import payments_query_stale

    order = place_order(buyer)
    client.force_login(buyer)
    payment = start_native(client, order)
    gateway, settings.WECHATPAY_GATEWAY = settings.WECHATPAY_GATEWAY, "http://127.0.0.1:9"
    order_cancel(order_id=order.pk, actor_type="shopper", reason="")  # nobody answers
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == (OrderStatus.CANCELLED, "pending")
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    assert payments_query_stale() == 1  # still down: logged, nothing changes
    assert Payment.objects.get(pk=payment.pk).status == "pending"
    settings.WECHATPAY_GATEWAY = gateway  # back again
    assert payments_query_stale() == 1
    assert Payment.objects.get(pk=payment.pk).status == "closed"
    assert wechatpay.trades[payment.payment_no].state == "CLOSED"
    assert payments_query_stale() == 0  # asked once more, never again


# --- Refunds ---------------------------------------------------------------------------------


def _paid(client, buyer, wechatpay, quantity=1):
    order = place_order(buyer, quantity=quantity)
    client.force_login(buyer)
    payment = start_native(client, order)
    wechatpay.pay(payment.payment_no)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order, payment


@pytest.fixture
def merchant():
    from accounts.tests.factories import UserFactory

    return UserFactory(is_staff=True)


def test_a_refund_only_request_is_paid_back_through_wechat_pay(client, buyer, wechatpay, merchant):
    from payments.models import Refund
    from payments.services import aftersale_approve, aftersale_request_create

    order, payment = _paid(client, buyer, wechatpay)
    request = aftersale_request_create(
        user=buyer,
        order_no=order.order_no,
        kind="refund",
        reason_id=aftersale_reason(),
        amount=order.total_amount,
    )
    aftersale_approve(request_no=request.request_no, actor=merchant)
    refund = Refund.objects.get()
    record = wechatpay.refunds[refund.refund_no]  # out_refund_no is our refund number
    assert (record.refund, record.total, record.notify_url) == (
        int(order.total_amount * 100),
        int(payment.amount * 100),
        wechatpay.notify_url,
    )
    assert refund.status == "pending" and refund.provider_refund_no == record.refund_id
    answer = wechatpay.settle_refund(refund.refund_no)  # the money reaches the payer
    assert answer.status_code == 204
    request.refresh_from_db()
    order.refresh_from_db()
    assert (request.status, order.status) == ("refunded", OrderStatus.REFUNDED)
    headers, body = wechatpay.refund_notification(record)  # WeChat Pay says it again
    again = requests.post(wechatpay.notify_url, data=body.encode(), headers=headers, timeout=20)
    assert again.status_code == 204
    order.refresh_from_db()
    assert order.refunded_amount == order.total_amount


def test_a_return_through_wechat_pay_and_a_refund_refused_then_retried(
    client, buyer, wechatpay, merchant
):
    from orders.services import order_ship
    from payments.models import Refund
    from payments.services import (
        aftersale_approve,
        aftersale_goods_received,
        aftersale_refund_retry,
        aftersale_request_create,
        aftersale_return_shipped,
    )

    order, payment = _paid(client, buyer, wechatpay, quantity=2)
    order_ship(order_id=order.pk, carrier="SF", tracking_no="SF1234567890", actor=merchant)
    item = order.items.get()
    request = aftersale_request_create(
        user=buyer,
        order_no=order.order_no,
        kind="return",
        reason_id=aftersale_reason(),
        amount=item.unit_price,
        items={item.pk: 1},
    )
    aftersale_approve(request_no=request.request_no, actor=merchant)
    aftersale_return_shipped(
        request_no=request.request_no, user=buyer, carrier="SF", tracking_no="SF0000001"
    )
    wechatpay.refuse_refunds = "NOT_ENOUGH"  # the merchant's balance is short
    aftersale_goods_received(request_no=request.request_no, actor=merchant)
    request.refresh_from_db()
    refund = Refund.objects.get()
    assert (request.status, refund.status) == ("refund_failed", "failed")
    assert request.refund_error.startswith("NOT_ENOUGH: 基本账户余额不足")
    wechatpay.refuse_refunds = ""
    aftersale_refund_retry(request_no=request.request_no, actor=merchant)
    assert list(wechatpay.refunds) == [refund.refund_no]  # the same number
    # The notification is lost; beat asks about refunds pending for over ten minutes.
    wechatpay.settle_refund(refund.refund_no, deliver=False)
    from payments.services import refunds_query_stale

    Refund.objects.filter(pk=refund.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    assert refunds_query_stale() == 1
    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == "refunded"
    assert (order.status, order.refunded_amount) == (OrderStatus.SHIPPED, item.unit_price)
    # The day's bill lists the refund; reconciliation finds it on both sides.
    run = payments_reconcile(day=timezone.localdate(), provider="wechatpay")
    assert run.mismatches == [] and run.local_count == 2 and run.bill_count == 2
    Refund.objects.filter(pk=refund.pk).update(amount=item.unit_price - 1)
    run = payments_reconcile(day=timezone.localdate(), provider="wechatpay")
    assert [(m["refund_no"], m["problem"]) for m in run.mismatches] == [
        (refund.refund_no, "amount")
    ]


# --- Channels, refusals and a close that finds the trade paid -------------------------------


def test_switching_from_the_web_qr_to_the_mini_program_opens_a_new_attempt(
    client, buyer, wechatpay
):
    from accounts.models import User

    User.objects.filter(pk=buyer.pk).update(wechat_openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    order = place_order(buyer)
    client.force_login(buyer)
    native = start_native(client, order)
    answer = client.post(
        reverse("api-order-pay", args=[order.order_no]),
        {"provider": "wechatpay", "channel": "miniprogram"},
        "application/json",
    )
    assert answer.status_code == 200, answer.json()
    jsapi_no = answer.json()["payment_no"]
    native.refresh_from_db()
    assert jsapi_no != native.payment_no
    assert (native.status, wechatpay.trades[native.payment_no].state) == ("closed", "CLOSED")
    assert wechatpay.trades[jsapi_no].trade_type == "JSAPI"
    wechatpay.pay(jsapi_no)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    # And back: the paid order is not offered a new attempt.
    again = client.post(
        reverse("payments:pay", args=[order.order_no]), {"provider": "wechatpay"}, follow=True
    )
    assert "This order is already paid." in again.content.decode()


def test_a_gateway_that_says_no_is_shown_in_its_words_not_as_unreachable(client, buyer, wechatpay):
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start_native(client, order)
    # The same number at WeChat already belongs to a trade of another amount.
    wechatpay.trades[payment.payment_no].total += 1
    Payment.objects.filter(pk=payment.pk).update(checkout={})
    answer = client.post(
        reverse("api-order-pay", args=[order.order_no]),
        {"provider": "wechatpay", "channel": "web"},
        "application/json",
    )
    body = answer.json()
    assert (answer.status_code, body["code"]) == (409, 40009)
    assert "商户订单号重复 (OUT_TRADE_NO_USED)" in body["message"]
    assert "cannot be reached" not in body["message"]


@pytest.mark.parametrize("run", range(3))
def test_a_close_answered_orderpaid_makes_the_order_paid_not_cancelled(
    client, buyer, wechatpay, run
):
    from payments.models import Refund

    order = place_order(buyer)
    client.force_login(buyer)
    payment = start_native(client, order)
    # The shopper pays after the shop's query said "not paid" and before its close; the
    # notification is late.
    wechatpay.before_close = lambda trade_no: wechatpay.pay(trade_no, deliver=False)
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
    assert order_close_overdue(order_id=order.pk) is False
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == (OrderStatus.PAID, "succeeded")
    assert payment.provider_trade_no == wechatpay.trades[payment.payment_no].transaction_id
    assert not Refund.objects.exists()
    assert not OrderEvent.objects.filter(order=order, to_status=OrderStatus.CANCELLED).exists()


@pytest.mark.parametrize("timestamp", ["²", "١٧٠٠٠٠٠٠٠٠", "1e9", "", "9" * 40])
def test_a_timestamp_header_that_is_not_ascii_digits_is_refused_not_a_500(
    client, buyer, wechatpay, timestamp
):
    order = place_order(buyer)
    client.force_login(buyer)
    payment = start_native(client, order)
    wechatpay.pay(payment.payment_no, deliver=False)
    headers, body = wechatpay.notification(wechatpay.trades[payment.payment_no])
    # As the bytes arrive: "²" is one byte in Latin-1 (the server reads headers so).
    try:
        headers["Wechatpay-Timestamp"] = timestamp.encode("latin-1")
    except UnicodeEncodeError:
        headers["Wechatpay-Timestamp"] = timestamp.encode()
    answer = requests.post(wechatpay.notify_url, data=body.encode(), headers=headers, timeout=20)
    assert answer.status_code == 400 and answer.json()["code"] == "FAIL"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
