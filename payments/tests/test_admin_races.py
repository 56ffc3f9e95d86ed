"""An admin page loaded before a payment or a refund and saved after it writes nothing the
service wrote: the order and after-sales pages are view-only (403 on a POST), and their
actions and buttons still work through the services."""

import pytest
from django.urls import reverse

from config.testing import admin_page_post_data
from orders.models import Order, OrderStatus
from orders.tests.conftest import place_order
from payments.models import AfterSaleRequest, Payment, PaymentStatus
from payments.tests.test_aftersales import ask_refund, paid_order

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_order_page_saved_after_the_payment_landed_keeps_it_paid(
    client, buyer, sandbox, merchant
):
    order = place_order(buyer)
    client.force_login(merchant)
    url = reverse("admin:orders_order_change", args=[order.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert "viewsitelink" not in page.content.decode()  # the shopper's page: nothing to see
    # The shopper pays between the merchant's GET and POST.
    client.force_login(buyer)
    client.post(reverse("payments:pay", args=[order.order_no]), {"provider": "sandbox"})
    payment = Payment.objects.get(order=order)
    client.post(reverse("payments:sandbox", args=[payment.payment_no]), {"outcome": "pay"})
    client.force_login(merchant)
    assert client.post(url, admin_page_post_data(page)).status_code == 403
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert payment.status == PaymentStatus.SUCCEEDED
    # The list's actions still work: the merchant ships it.
    done = client.post(
        reverse("admin:orders_order_changelist"),
        {
            "action": "ship_orders",
            "_selected_action": [order.pk],
            "apply": "1",
            f"carrier_{order.pk}": "SF",
            f"tracking_no_{order.pk}": "SF1001",
        },
    )
    assert done.status_code == 302
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED


def test_an_aftersale_page_saved_after_the_refund_keeps_it_refunded(
    client, buyer, sandbox, merchant
):
    order = paid_order(client, buyer)
    request = ask_refund(buyer, order, order.total_amount, note="不想要了")
    client.force_login(merchant)
    url = reverse("admin:payments_aftersalerequest_change", args=[request.pk])
    page = client.get(url)
    html = page.content.decode()
    assert 'name="_save"' not in html and 'value="approve"' in html
    # Another merchant approves it; the refund goes through the sandbox.
    decide = reverse("admin:payments_aftersalerequest_decide", args=[request.pk])
    client.post(decide, {"action": "approve", "note": ""})
    assert client.post(url, admin_page_post_data(page, merchant_note="x")).status_code == 403
    request.refresh_from_db()
    order.refresh_from_db()
    assert (request.status, request.merchant_note, order.status) == (
        "refunded",
        "",
        OrderStatus.REFUNDED,
    )
    assert AfterSaleRequest.objects.count() == 1
