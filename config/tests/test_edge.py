"""Hostile input answers a clear 400 or 404, never a 500, and saves nothing."""

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.permissions import MERCHANTS_GROUP
from accounts.tests.factories import UserFactory
from carts.keys import user_cart_key
from carts.selectors import cart_view
from catalog.tests.factories import make_product
from config.parsing import parse_amount, parse_id
from orders import services
from orders.models import Order, OrderStatus
from orders.tests.conftest import fill_cart, place_order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/product/%00/", "/category/%00/", "/orders/%00/", "/api/v1/orders/%00", "/%00"],
)
def test_nul_in_a_path_is_404(client, buyer, path):
    client.force_login(buyer)
    response = client.get(path)
    assert response.status_code == 404


def test_nul_in_an_api_path_answers_the_api_error_body(auth_client):
    response = auth_client.get("/api/v1/orders/%00")
    assert response.status_code == 404
    assert response.json()["code"] == 404


def _checkout_form(client, buyer, **fields):
    client.force_login(buyer)
    fill_cart(buyer, (make_product(name="Lamp").skus.get(), 1))
    html = client.get(reverse("orders:checkout")).content.decode()
    token = html.split('name="token" value="')[1].split('"')[0]
    return {"token": token, "expected_total": "100.00", "address": buyer.address.pk, **fields}


def test_nul_in_the_checkout_remark_is_a_400_naming_the_field(client, buyer):
    form = _checkout_form(client, buyer, remark="leave at door\x00")
    response = client.post(reverse("orders:checkout"), form)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Null characters are not allowed." in html and "remark" in html
    assert not Order.objects.exists()


def test_nul_in_the_cancel_reason_changes_nothing(client, buyer):
    client.force_login(buyer)
    order = place_order(buyer)
    response = client.post(reverse("orders:cancel", args=[order.order_no]), {"reason": "x\x00"})
    assert response.status_code == 400
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_nul_in_the_admin_ship_form_changes_nothing(client, buyer):
    merchant = UserFactory(is_staff=True)
    merchant.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    client.force_login(merchant)
    order = place_order(buyer)
    services.order_mark_paid(order_id=order.pk)
    response = client.post(
        reverse("admin:orders_order_changelist"),
        {
            "action": "ship_orders",
            "_selected_action": [order.pk],
            "apply": "1",
            f"carrier_{order.pk}": "SF\x00",
            f"tracking_{order.pk}": "SF1",
        },
    )
    assert response.status_code == 400
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_nul_in_a_json_body_is_a_400_with_the_error_body(auth_client):
    response = auth_client.patch(
        "/api/v1/me", data='{"nickname": "a\\u0000b"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "message": "Invalid input.",
        "errors": {"body": ["Null characters are not allowed."]},
    }


def test_nul_in_a_query_string_is_a_400(client):
    response = client.get("/search/", {"q": "tea\x00"})
    assert response.status_code == 400


@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity", "-Infinity", "1e999", "１００"])
def test_a_non_finite_expected_total_is_a_400_with_the_review_page(
    client,
    buyer,
    value,
):
    form = _checkout_form(client, buyer, expected_total=value)
    response = client.post(reverse("orders:checkout"), form)
    assert response.status_code == 400
    assert "orders/checkout.html" in [t.name for t in response.templates]
    assert not Order.objects.exists()


@pytest.mark.parametrize("value", ["²", "١٢", "-1", "0", "1.0", "99999999999999999999"])
def test_cart_select_with_a_bad_sku_id_is_an_error_message(client, value):
    response = client.post(reverse("carts:select"), {"sku": value, "selected": "1"}, follow=True)
    assert response.status_code == 200
    assert "Choose an item." in response.content.decode()


def test_cart_add_with_a_huge_sku_id_is_refused_not_500(client):
    response = client.post(reverse("carts:add"), {"sku": "9" * 30, "quantity": "1"}, follow=True)
    assert response.status_code == 200
    assert cart_view(key=user_cart_key(0))["lines"] == []


def test_json_nested_fifty_thousand_levels_is_a_400(api_client):
    body = "[" * 50_000 + "]" * 50_000
    response = api_client.post(reverse("api-token"), data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == 400
    assert "nested too deeply" in response.json()["message"]


def test_parse_helpers_take_only_ascii_digits_and_finite_amounts():
    assert [parse_id(v) for v in ("12", " 7 ", "²", "١٢", "0", "-3", "1e3", "", None)] == [
        12,
        7,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    assert parse_id(str(2**63)) is None
    assert parse_amount("30800.50") == Decimal("30800.50")
    assert [parse_amount(v) for v in ("NaN", "sNaN", "Infinity", "1.234", "1e2")] == [None] * 5


def test_json_body_with_wrong_types_is_a_400(auth_client):
    response = auth_client.post(
        "/api/v1/addresses",
        data=json.dumps({"receiver": ["x"] * 3}),
        content_type="application/json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("path", "json_body"), [("/accounts/login/", False), ("/api/v1/auth/token", True)]
)
def test_a_content_length_that_is_not_a_number_is_a_400(client, path, json_body):
    response = client.post(
        path,
        b"{}",
        content_type="application/json" if json_body else "application/x-www-form-urlencoded",
        CONTENT_LENGTH="12abc",
    )
    assert response.status_code == 400
    if json_body:
        assert response.json()["errors"] == {
            "Content-Length": ["The Content-Length header must be a number."]
        }


def test_numbers_from_outside_are_parsed_as_ascii_digits_only():
    """``"²".isdigit()`` is True and ``int("²")`` raises: every ``isdigit()`` in the code is
    paired with ``isascii()``, or the text goes through config.parsing."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    apps = ["accounts", "delivery", "catalog", "carts", "orders", "payments", "seckill", "config"]
    offenders = []
    for app in apps:
        for path in (root / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts or path.name == "parsing.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if ".isdigit()" in line and ".isascii()" not in line:
                    offenders.append(f"{path.relative_to(root)}:{number}")
    assert offenders == []


@pytest.mark.parametrize("value", ["²", "١٢", "12a", "", "1" * 20, " 12", None, 12])
def test_parse_digits_takes_ascii_digits_only(value):
    from config.parsing import parse_digits

    assert parse_digits(value, max_length=19) is None


def test_parse_digits_reads_a_timestamp():
    from config.parsing import parse_digits

    assert parse_digits("1700000000", max_length=12) == 1700000000


@pytest.mark.parametrize("timestamp", ["²".encode("latin-1"), "١٢".encode(), b"1e9"])
def test_a_sandbox_notification_with_a_strange_timestamp_is_refused(client, timestamp):
    from payments.models import PaymentNotification

    answer = client.post(
        reverse("payments:notify", args=["sandbox"]),
        b"{}",
        content_type="application/json",
        HTTP_X_SANDBOX_TIMESTAMP=timestamp.decode("latin-1"),
        HTTP_X_SANDBOX_SIGNATURE="x",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "FAIL"
    assert PaymentNotification.objects.get().outcome == "rejected"
