import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import user_tokens_issue
from accounts.tests.factories import UserFactory
from catalog.tests.factories import make_product
from orders.models import Order, OrderStatus
from orders.tests.conftest import fill_cart, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(db):
    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {user_tokens_issue(user=user)['access']}")
        return client

    return make


def test_preview_then_order_with_idempotency_key(buyer, client_for):
    client = client_for(buyer)
    sku = make_product().skus.get()
    fill_cart(buyer, (sku, 2))
    preview = client.post(reverse("api-checkout-preview")).json()
    assert (preview["items_amount"], preview["shipping_fee"], preview["total"]) == (
        "200.00",
        "0.00",
        "200.00",
    )
    body = {"address_id": buyer.address.pk, "expected_total": preview["total"]}
    first = client.post(reverse("api-orders"), body, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert first.status_code == 201
    order = first.json()
    assert order["status"] == "pending_payment"
    assert order["actions"] == ["pay", "cancel"]
    assert order["items"][0]["quantity"] == 2
    assert order["events"][0]["to_status"] == "pending_payment"
    again = client.post(reverse("api-orders"), body, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert again.status_code == 200
    assert again.json()["order_no"] == order["order_no"]
    assert Order.objects.count() == 1


def test_order_errors(buyer, client_for):
    client = client_for(buyer)
    empty = client.post(reverse("api-orders"), {"address_id": buyer.address.pk})
    assert (empty.status_code, empty.json()["code"]) == (400, 30004)
    missing = client.post(reverse("api-orders"), {})
    assert missing.json()["errors"] == {"address_id": ["This field is required."]}
    sku = make_product().skus.get()
    fill_cart(buyer, (sku, 1))
    stale = client.post(
        reverse("api-orders"), {"address_id": buyer.address.pk, "expected_total": "1.00"}
    )
    assert (stale.status_code, stale.json()["code"]) == (409, 30005)
    foreign = client.post(reverse("api-orders"), {"address_id": 999999})
    assert foreign.json()["errors"] == {"address_id": ["Choose one of your addresses."]}


def test_list_tabs_detail_cancel_and_confirm(buyer, client_for):
    client = client_for(buyer)
    pending, shipped = place_order(buyer), place_order(buyer)
    from orders import services

    services.order_mark_paid(order_id=shipped.pk)
    services.order_ship(order_id=shipped.pk, carrier="SF", tracking_no="1")
    listing = client.get(reverse("api-orders")).json()
    assert listing["count"] == 2
    to_pay = client.get(reverse("api-orders"), {"tab": "to_pay"}).json()
    assert [o["order_no"] for o in to_pay["results"]] == [pending.order_no]
    assert client.get(reverse("api-orders"), {"tab": "nope"}).status_code == 400

    cancelled = client.post(
        reverse("api-order-cancel", args=[pending.order_no]), {"reason": "changed mind"}
    )
    assert cancelled.json()["status"] == "cancelled"
    again = client.post(reverse("api-order-cancel", args=[pending.order_no]))
    assert (again.status_code, again.json()["code"]) == (409, 30003)
    done = client.post(reverse("api-order-confirm", args=[shipped.order_no]))
    assert done.json()["status"] == "completed"


def test_another_users_order_is_404_everywhere(buyer, client_for):
    order = place_order(buyer)
    stranger = client_for(UserFactory())
    for response in (
        stranger.get(reverse("api-order", args=[order.order_no])),
        stranger.post(reverse("api-order-cancel", args=[order.order_no])),
        stranger.post(reverse("api-order-confirm", args=[order.order_no])),
    ):
        assert (response.status_code, response.json()["code"]) == (404, 30001)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_order_list_query_count_is_constant(buyer, client_for, django_assert_max_num_queries):
    client = client_for(buyer)
    for _ in range(8):
        place_order(buyer)
    # user, count, page, items, each line's discounts, the order's discounts
    with django_assert_max_num_queries(6):
        response = client.get(reverse("api-orders"), {"page_size": 8})
    assert len(response.json()["results"]) == 8
