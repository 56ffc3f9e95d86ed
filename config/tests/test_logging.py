"""Each request is logged once (one handler on the way of every server log record), as one
JSON object in production, with nothing secret in it."""

import io
import json
import logging
import time

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from catalog.tests.factories import make_product
from config.logs import redact
from payments.providers.sandbox import sign
from payments.tests.conftest import checkout_and_pay


def _handlers_reached(name: str) -> list[logging.Handler]:
    logger, reached = logging.getLogger(name), []
    while logger is not None:
        # pytest's own capture handlers sit on the root logger during tests; not ours.
        reached += [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]
        if not logger.propagate:
            break
        logger = logger.parent
    return reached


@pytest.mark.parametrize(
    "name", ["django.channels.server", "django.server", "django.request", "orders.services"]
)
def test_a_record_reaches_exactly_one_handler(name):
    assert len(_handlers_reached(name)) == 1


def test_not_found_warnings_do_not_double_the_access_line():
    assert not logging.getLogger("django.request").isEnabledFor(logging.WARNING)
    assert logging.getLogger("django.request").isEnabledFor(logging.ERROR)


# --- JSON lines in production, and nothing secret in them ------------------------------------


@pytest.fixture
def json_lines():
    """Every line the project's console handler writes (its filters and its format; the
    tests run with DEBUG off, so JSON as in production), parsed: a line that is not one JSON
    object fails the test."""
    console = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous = console.setStream(stream)
    yield lambda: ([json.loads(line) for line in stream.getvalue().splitlines()], stream.getvalue())
    console.setStream(previous)


@pytest.mark.django_db(transaction=True)
def test_a_login_and_a_payment_log_json_lines_without_a_secret(
    client, buyer, settings, live_server, json_lines
):
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    wrong = "Wr0ng-Guess-7731"
    client.post(reverse("accounts:login"), {"identifier": buyer.username, "password": wrong})
    page = client.post(
        reverse("accounts:login"),
        {"identifier": buyer.username, "password": PASSWORD},
        HTTP_X_REQUEST_ID="rid-login-1",
    )
    assert page.status_code == 302
    api = client.post(reverse("api-token"), {"identifier": buyer.username, "password": PASSWORD})
    tokens = api.json()
    me = client.get(reverse("api-me"), HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.status_code == 200
    sku = make_product(name="Lamp").skus.get()
    order, payment = checkout_and_pay(client, buyer, sku, HTTP_X_REQUEST_ID="rid-checkout-1")
    # A forged notification: its body must not be written anywhere either.
    import requests

    forged = json.dumps({"id": "n-forged", "payment_no": payment.payment_no, "amount": "9.99"})
    stamp = str(int(time.time()))
    requests.post(
        live_server.url + reverse("payments:notify", args=["sandbox"]),
        data=forged,
        headers={"X-Sandbox-Timestamp": stamp, "X-Sandbox-Signature": "a" * 64},
        timeout=10,
    )
    records, text = json_lines()

    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    access = [r for r in records if r["logger"] == "kuaimai.access"]
    login = next(r for r in access if r["request_id"] == "rid-login-1")
    assert (login["route"], login["status"], login["method"]) == ("accounts:login", 302, "POST")
    assert login["duration_ms"] >= 0
    checkout = next(r for r in access if r["request_id"] == "rid-checkout-1")
    assert (checkout["route"], checkout["status"], checkout["user_id"]) == (
        "orders:checkout",
        302,
        buyer.pk,
    )
    assert checkout["order_no"] == order.order_no
    api_me = next(r for r in access if r["route"] == "api-me")
    assert api_me["user_id"] == buyer.pk  # a JWT's user, too
    notify = [r for r in access if r["route"] == "payments:notify"]
    assert [r["status"] for r in notify] == [200, 400]
    assert notify[0]["payment_no"] == payment.payment_no
    pay_page = next(r for r in access if r["route"] == "payments:pay")
    assert (pay_page["order_no"], pay_page["payment_no"]) == (order.order_no, payment.payment_no)

    secrets = {
        "the password": PASSWORD,
        "a wrong password": wrong,
        "the access token": tokens["access"],
        "the refresh token": tokens["refresh"],
        "the session cookie": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "the CSRF cookie": getattr(client.cookies.get(settings.CSRF_COOKIE_NAME), "value", ""),
        "the secret key": settings.SECRET_KEY,
        "the sandbox key": settings.PAYMENTS_SANDBOX_SECRET,
        "the forged body": forged,
        "the forged signature": "a" * 64,
        "the notification's signature": sign(stamp, forged.encode()),
    }
    for what, secret in secrets.items():
        assert not secret or secret not in text, f"{what} was logged"


def test_redact_hides_secret_values_and_keeps_the_rest():
    line = redact(
        'login password=hunter2 {"access": "abc", "refresh": "def"} '
        "Authorization: Bearer eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl sign_type=RSA2 订单 2026"
    )
    for secret in ("hunter2", '"abc"', '"def"', "eyJhbGciOi", "c2lnbmF0dXJl"):
        assert secret not in line
    assert "sign_type=RSA2 订单 2026" in line and line.startswith("login password=[redacted]")


def test_development_logs_read_as_lines(settings):
    from config.logs import ConsoleFormatter, ContextFilter, log_bind, log_context_reset
    from config.middleware import RequestIdLogFilter, request_id_var

    record = logging.LogRecord("orders", logging.INFO, __file__, 1, "paid %s", ("x",), None)
    request_id_var.set("rid-dev")
    log_context_reset()
    log_bind(order_no="20261202000001", password="never-bound")
    RequestIdLogFilter().filter(record)
    ContextFilter().filter(record)
    line = ConsoleFormatter().format(record)
    log_context_reset()
    assert line.endswith("INFO [rid-dev] orders: paid x (order_no=20261202000001)")
    assert "never-bound" not in line
