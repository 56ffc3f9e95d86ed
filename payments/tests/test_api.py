"""The payment API for mini-programs and apps (JWT)."""

import pytest

from accounts.tests.factories import UserFactory
from orders.models import Order, OrderStatus
from orders.tests.conftest import place_order
from payments.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sandbox(settings):
    settings.PAYMENTS_PROVIDERS = ["sandbox"]


def test_a_client_starts_paying_its_order_and_follows_the_payment(auth_client, user):
    order = place_order(user)
    response = auth_client.post(
        f"/api/v1/orders/{order.order_no}/pay", {"provider": "sandbox"}, format="json"
    )
    assert response.status_code == 200
    payment = Payment.objects.get(order=order)
    body = response.json()
    assert body == {
        "payment_no": payment.payment_no,
        "order_no": order.order_no,
        "provider": "sandbox",
        "amount": str(order.total_amount),
        "status": "pending",
        "paid_at": None,
        "redirect_url": f"http://testserver/payments/sandbox/{payment.payment_no}/",
        "params": {},
    }
    again = auth_client.post(
        f"/api/v1/orders/{order.order_no}/pay", {"provider": "sandbox"}, format="json"
    )
    assert again.json()["payment_no"] == payment.payment_no  # one open attempt, reused
    detail = auth_client.get(f"/api/v1/payments/{payment.payment_no}").json()
    assert (detail["status"], detail["order_no"]) == ("pending", order.order_no)


def test_errors_are_the_documented_bodies(auth_client, user):
    order = place_order(user)
    other = place_order(UserFactory())
    url = f"/api/v1/orders/{order.order_no}/pay"
    assert auth_client.post(url, {"provider": "alipay"}, format="json").json()["code"] == 40001
    assert auth_client.post(url, {"provider": "cash"}, format="json").status_code == 400
    foreign = auth_client.post(
        f"/api/v1/orders/{other.order_no}/pay", {"provider": "sandbox"}, format="json"
    )
    assert foreign.status_code == 404
    other_payment = Payment.objects.create(
        payment_no="P1", order=other, provider="sandbox", amount=other.total_amount
    )
    missing = auth_client.get(f"/api/v1/payments/{other_payment.payment_no}")
    assert (missing.status_code, missing.json()["code"]) == (404, 40003)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
    cancelled = auth_client.post(url, {"provider": "sandbox"}, format="json")
    assert (cancelled.status_code, cancelled.json()["code"]) == (409, 40002)
