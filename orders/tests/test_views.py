import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from catalog.tests.factories import make_product
from orders.models import Order, OrderStatus
from orders.tests.conftest import fill_cart, place_order

pytestmark = pytest.mark.django_db


def _token(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def test_checkout_page_double_submit_makes_one_order(client, buyer):
    client.force_login(buyer)
    sku = make_product(name="Lamp").skus.get()
    fill_cart(buyer, (sku, 1))
    review = client.get(reverse("orders:checkout"))
    html = review.content.decode()
    assert "Lamp" in html and buyer.address.receiver in html
    form = {
        "token": _token(html),
        "expected_total": "100.00",
        "address": buyer.address.pk,
        "remark": "",
    }
    first = client.post(reverse("orders:checkout"), form)
    second = client.post(reverse("orders:checkout"), form)
    order = Order.objects.get()
    assert first["Location"] == second["Location"] == order.get_absolute_url()


def test_checkout_page_tells_about_price_changes(client, buyer):
    from catalog import services as catalog_services

    client.force_login(buyer)
    sku = make_product(name="Kettle").skus.get()
    fill_cart(buyer, (sku, 1))
    from decimal import Decimal

    catalog_services.sku_update(sku=sku, data={"price": Decimal("150.00")})
    html = client.get(reverse("orders:checkout")).content.decode()
    assert "The price of Kettle changed from ¥100.00 to ¥150.00" in html
    stale = client.post(
        reverse("orders:checkout"),
        {"token": _token(html), "expected_total": "100.00", "address": buyer.address.pk},
    )
    assert stale.status_code == 409
    assert "Prices changed since you reviewed your order" in stale.content.decode()
    assert not Order.objects.exists()


def test_checkout_with_empty_cart_goes_back_to_the_cart(client, buyer):
    client.force_login(buyer)
    response = client.get(reverse("orders:checkout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("carts:cart")
    assert "Select at least one available item" in response.content.decode()


def test_checkout_requires_login(client):
    response = client.get(reverse("orders:checkout"))
    assert response["Location"].startswith(reverse("accounts:login"))


def test_order_pages_tabs_detail_actions(client, buyer):
    client.force_login(buyer)
    order = place_order(buyer)
    listing = client.get(reverse("orders:list"), {"tab": "to_pay"})
    assert order.order_no in listing.content.decode()
    assert (
        order.order_no
        not in client.get(reverse("orders:list"), {"tab": "completed"}).content.decode()
    )
    detail = client.get(order.get_absolute_url()).content.decode()
    assert "Cancel order" in detail and "data-countdown" in detail and "Order placed" in detail
    client.post(reverse("orders:cancel", args=[order.order_no]), {"reason": "wrong size"})
    detail = client.get(order.get_absolute_url()).content.decode()
    assert "Cancel order" not in detail and "wrong size" in detail


def test_viewing_an_overdue_order_writes_nothing_and_page_and_api_agree(client, buyer):
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.test import APIClient

    from orders.services import orders_close_overdue

    client.force_login(buyer)
    api = APIClient()
    api.force_authenticate(buyer)
    order = place_order(buyer)
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(minutes=1))
    detail = client.get(order.get_absolute_url())
    from_api = api.get(f"/api/v1/orders/{order.order_no}").json()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT  # GET wrote nothing
    assert detail.context["order"].status == from_api["status"] == "pending_payment"
    assert "Pay now" not in detail.content.decode()  # past its deadline: no paying
    assert from_api["actions"] == ["cancel"]

    assert orders_close_overdue() == 1  # the sweep (beat, or the embedded scheduler)
    detail = client.get(order.get_absolute_url())
    from_api = api.get(f"/api/v1/orders/{order.order_no}").json()
    assert detail.context["order"].status == from_api["status"] == "cancelled"


def test_another_users_order_page_is_404(client, buyer):
    order = place_order(buyer)
    client.force_login(UserFactory())
    assert client.get(order.get_absolute_url()).status_code == 404
    assert client.post(reverse("orders:cancel", args=[order.order_no])).status_code == 404
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_messages_page_reads_without_writing_and_marks_read_by_post(
    client, buyer, django_capture_on_commit_callbacks
):
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(buyer)
    page = client.get(reverse("orders:messages"))
    assert f"Order {order.order_no} placed" in page.content.decode()
    assert buyer.messages.filter(read_at=None).count() == 1  # a GET never writes
    assert client.get(reverse("orders:messages_read")).status_code == 405
    client.post(reverse("orders:messages_read"))
    assert buyer.messages.filter(read_at=None).count() == 0


def test_address_added_inline_on_checkout_comes_back_to_checkout(client):
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    fill_cart(user, (make_product().skus.get(), 1))
    html = client.get(reverse("orders:checkout")).content.decode()
    assert 'name="add_address"' in html and 'name="receiver"' in html
    response = client.post(
        reverse("orders:checkout"),
        {
            "add_address": "1",
            "receiver": "Wu",
            "phone": "13900000000",
            "province_code": "330000",
            "city_code": "330100",
            "region_code": "330106",
            "detail": "1 Lake Road",
            "postal_code": "310000",
        },
    )
    address = user.addresses.get()
    assert response["Location"] == f"{reverse('orders:checkout')}?address={address.pk}"
    page = client.get(response["Location"])
    assert page.context["chosen_address"] == str(address.pk)


def test_an_error_in_the_new_address_stays_on_checkout_beside_the_field(client):
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    fill_cart(user, (make_product(name="Vase").skus.get(), 1))
    response = client.post(
        reverse("orders:checkout"),
        {"add_address": "1", "receiver": "Wu", "phone": "12", "province_code": "330000"},
    )
    assert response.status_code == 400
    assert "orders/checkout.html" in [t.name for t in response.templates]
    form = response.context["address_form"]
    assert set(form.errors) == {"city_code", "region_code", "detail"}
    html = response.content.decode()
    assert "Vase" in html and '<details class="card new-address" open>' in html
    assert not user.addresses.exists()


def test_guest_checkout_is_told_to_log_in_and_comes_back_with_the_cart(client):
    from accounts.tests.factories import PASSWORD, AddressFactory, UserFactory

    sku = make_product(name="Teacup").skus.get()
    client.post(reverse("carts:add"), {"sku": sku.pk, "quantity": 2})
    response = client.get(reverse("orders:checkout"), follow=True)
    login_url, _ = response.redirect_chain[-1]
    assert login_url == f"{reverse('accounts:login')}?next=/checkout/"
    assert "Please log in to check out." in response.content.decode()
    user = UserFactory()
    AddressFactory(user=user)
    back = client.post(
        login_url, {"identifier": user.username, "password": PASSWORD, "next": "/checkout/"}
    )
    assert back["Location"] == "/checkout/"
    page = client.get("/checkout/")
    assert [(line["sku_id"], line["quantity"]) for line in page.context["cart"]["lines"]] == [
        (sku.pk, 2)
    ]


def test_the_history_reads_in_the_readers_language_whoever_wrote_it(client, buyer):
    from django.utils import translation

    from orders import notes, services

    with translation.override("zh-hans"):  # placed while the shop spoke Chinese
        order = place_order(buyer)
        services.order_mark_paid(order_id=order.pk, note_key=notes.PAID_OFFLINE)
    client.force_login(buyer)
    english = client.get(order.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Order placed" in english and "Paid offline, marked by the merchant" in english
    assert "下单" not in english
    chinese = client.get(order.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "下单" in chinese.content.decode()
    from rest_framework.test import APIClient

    from accounts.services import user_tokens_issue

    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {user_tokens_issue(user=buyer)['access']}")
    api = api_client.get(
        reverse("api-order", args=[order.order_no]), HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert [e["note"] for e in api["events"]] == [
        "Order placed",
        "Paid offline, marked by the merchant",
    ]
