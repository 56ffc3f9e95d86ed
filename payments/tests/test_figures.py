"""The merchant's figures are net: money in, refunded and what is left, on a known mix of a
plain sale, a partial refund, a full refund and a duplicate payment refunded automatically;
the order page shows its refunds, the dashboard the after-sales queue."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from config.dates import local_day_range
from orders.models import Order
from orders.services import order_mark_paid
from orders.tests.conftest import place_order
from payments.models import AfterSaleRequest, Payment, PaymentStatus, Refund, RefundStatus
from payments.selectors import aftersale_counts, daily_totals, sales_totals
from payments.tests.conftest import aftersale_reason

pytestmark = pytest.mark.django_db


def pay(order, *, provider="wechatpay", status=PaymentStatus.SUCCEEDED, refund_due=False, at=None):
    return Payment.objects.create(
        payment_no=f"P{order.pk:06d}{Payment.objects.count()}",
        order=order,
        provider=provider,
        amount=order.total_amount,
        status=status,
        refund_due=refund_due,
        paid_at=at or timezone.now(),
    )


def refund(payment, amount, *, automatic=False, status=RefundStatus.SUCCEEDED, at=None):
    return Refund.objects.create(
        refund_no=f"F{payment.pk:06d}{Refund.objects.count()}",
        payment=payment,
        amount=Decimal(amount),
        status=status,
        automatic=automatic,
        succeeded_at=(at or timezone.now()) if status == RefundStatus.SUCCEEDED else None,
    )


@pytest.fixture
def mix(buyer):
    """Four orders of ¥158.00 each paid today through WeChat Pay, one of ¥100.00 paid
    offline, and one paid yesterday."""
    orders = [place_order(buyer, quantity=2) for _ in range(4)]
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(
        items_amount=Decimal("158.00"), shipping_fee=0, total_amount=Decimal("158.00")
    )
    for order in orders:
        order_mark_paid(order_id=order.pk)
        order.refresh_from_db()
    plain, partial, full, twice = orders
    pay(plain)
    refund(pay(partial), "79.00")  # one of two returned
    refund(pay(full), "158.00")  # all of it back
    pay(twice)
    # A second payment of an order already paid: its money came and went back by itself.
    refund(pay(twice, status=PaymentStatus.PENDING, refund_due=True), "158.00", automatic=True)
    offline = place_order(buyer)
    Order.objects.filter(pk=offline.pk).update(total_amount=Decimal("100.00"))
    order_mark_paid(order_id=offline.pk)
    # Yesterday's sale and a refund still under way count nowhere today.
    yesterday = place_order(buyer)
    order_mark_paid(order_id=yesterday.pk)
    Order.objects.filter(pk=yesterday.pk).update(paid_at=timezone.now() - timedelta(days=1))
    refund(Payment.objects.get(order=plain), "10.00", status=RefundStatus.PENDING)
    return orders


def test_sales_are_net_of_refunds_and_duplicates(mix):
    start, end = local_day_range(timezone.localdate())
    today = sales_totals(start=start, end=end)
    assert today == {
        "payments": 6,
        "gross": Decimal("890.00"),
        "refunded": Decimal("395.00"),
        # the plain sale, half the partial one, one of "twice", the offline one
        "net": Decimal("495.00"),
    }


def test_the_daily_totals_show_money_in_refunded_and_net_per_method(mix):
    rows = daily_totals(days=14)
    today = [r for r in rows if r["day"] == timezone.localdate()]
    assert [(r["provider"], r["count"], r["amount"], r["refunded"], r["net"]) for r in today] == [
        ("offline", 1, Decimal("100.00"), Decimal("0"), Decimal("100.00")),
        ("wechatpay", 5, Decimal("790.00"), Decimal("395.00"), Decimal("395.00")),
    ]
    assert rows[0]["day"] == timezone.localdate()  # newest first
    assert len(rows) == 3


def test_the_dashboard_shows_net_and_the_after_sales_queue(admin_client, mix, buyer):
    partial = mix[1]
    AfterSaleRequest.objects.create(
        request_no="R1",
        order=partial,
        user=buyer,
        kind="refund",
        status="requested",
        reason_id=aftersale_reason("refund"),
        amount=Decimal("10.00"),
    )
    assert aftersale_counts() == {"waiting": 1, "returns_coming": 0, "open": 1}
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert 'data-stat="today-gross">¥890.00<' in html
    assert 'data-stat="today-refunded">¥395.00<' in html
    assert 'data-stat="today-net">¥495.00<' in html
    assert 'data-stat="aftersales-waiting">1<' in html
    queue = admin_client.get(
        reverse("admin:payments_aftersalerequest_changelist")
        + "?status__in=requested,refund_failed"
    )
    assert queue.status_code == 200 and "R1" in queue.content.decode()
    payments = admin_client.get(reverse("admin:payments_payment_changelist")).content.decode()
    assert "<td>¥790.00</td><td>¥395.00</td><td><strong>¥395.00</strong></td>" in payments


def test_the_order_page_shows_what_was_refunded_and_how(admin_client, mix):
    partial = mix[1]
    Order.objects.filter(pk=partial.pk).update(refunded_amount=Decimal("79.00"))
    done = Refund.objects.get(payment__order=partial)
    page = admin_client.get(reverse("admin:orders_order_change", args=[partial.pk]))
    html = page.content.decode()
    assert "¥79.00" in html and done.refund_no in html
    assert reverse("admin:payments_refund_change", args=[done.pk]) in html
    listing = admin_client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert "refunded ¥79.00" in listing


@pytest.mark.parametrize(
    ("detail", "chinese"),
    [
        ("paid", "已付款：订单已付款"),
        ("timestamp missing or outside the window", "时间缺失或不在 5 分钟内"),
        ("amount 1.00 does not match 158.00", "付款 1.00，应付 158.00"),
        ("order cancelled: refund due", "订单已“已取消”：款项原路退回"),
        ("refund succeeded", "退款：已退款"),
        ("something new", "something new"),
    ],
)
def test_notification_details_read_in_the_merchants_language(detail, chinese):
    from django.utils import translation

    from payments.notification_details import detail_label

    with translation.override("zh-hans"):
        assert detail_label(detail) == chinese


def test_the_notifications_list_shows_details_in_chinese(admin_client):
    from payments.models import PaymentNotification

    PaymentNotification.objects.create(
        provider="sandbox", notification_id="n1", verified=True, outcome="accepted", detail="paid"
    )
    page = admin_client.get(
        reverse("admin:payments_paymentnotification_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "已付款：订单已付款" in page.content.decode()
