"""PostgreSQL down: every page or API call that needs it answers 503 with the shop's page
or the API's error body and Retry-After, nothing is half-written, and the shop recovers by
itself. The live server reaches the database through a forwarder the test cuts."""

from __future__ import annotations

import logging
import re

import pytest
import requests
from django.db import connections
from django.urls import reverse

from accounts.tests.factories import PASSWORD, UserFactory
from catalog.tests.factories import make_product
from config.testing import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_and_the_api_answer_503_while_the_database_is_down_then_recover(
    live_server, cuttable_database, caplog
):
    product = make_product(name="电热水壶")
    cached = make_product(name="已缓存")
    base = live_server.url
    cached_url = base + reverse("catalog:product", args=[cached.slug])
    assert requests.get(cached_url, timeout=10).status_code == 200  # now in the cache
    cuttable_database.cut()

    with caplog.at_level(logging.ERROR, logger="kuaimai.outage"):
        # A page no one asked for yet (whether it exists is the database's to say).
        page = requests.get(base + reverse("catalog:product", args=["not-asked-yet"]), timeout=10)
        api = requests.get(base + reverse("api-product", args=[product.pk]), timeout=10)
        flash = requests.get(base + reverse("seckill:sessions"), timeout=10)
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert "Back in a moment" in page.text and "Traceback" not in page.text
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "5"
    assert api.json() == {
        "code": 503,
        "message": "The shop is busy for a moment. Please try again shortly.",
        "errors": {},
    }
    assert flash.status_code in (200, 503)  # 200 when today's sessions were cached
    assert requests.get(cached_url, timeout=10).status_code == 200  # the cache still serves
    assert any("database unavailable" in r.getMessage() for r in caplog.records)
    ready = requests.get(base + "/readyz", timeout=10)
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == "unavailable"
    assert requests.get(base + "/healthz", timeout=10).status_code == 200

    cuttable_database.mend()
    wait_until(
        lambda: requests.get(base + reverse("api-product", args=[product.pk]), timeout=10)
        .status_code == 200
    )  # fmt: skip
    assert requests.get(base + "/readyz", timeout=10).json()["status"] == "ok"


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, name
    return found.group(1)


def test_a_checkout_cut_off_from_the_database_writes_nothing(live_server, cuttable_database):
    from accounts.tests.factories import AddressFactory
    from orders.models import Order

    buyer = UserFactory(username="wu")
    address = AddressFactory(user=buyer, is_default=True)
    sku = make_product().skus.get()
    base = live_server.url
    session = requests.Session()
    login_page = session.get(base + reverse("accounts:login"), timeout=10)
    assert login_page.status_code == 200
    token = session.cookies["csrftoken"]
    signed_in = session.post(
        base + reverse("accounts:login"),
        data={"identifier": "wu", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/"},
        timeout=10,
    )
    assert signed_in.ok
    add = session.post(
        base + reverse("carts:add"),
        data={"sku": sku.pk, "quantity": 1, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": base + "/"},
        timeout=10,
    )
    assert add.ok
    checkout = session.get(base + reverse("orders:checkout"), timeout=10)
    assert checkout.status_code == 200
    cuttable_database.cut()
    placed = session.post(
        base + reverse("orders:checkout"),
        data={
            "address": address.pk,
            "token": _hidden(checkout.text, "token"),
            "expected_total": _hidden(checkout.text, "expected_total"),
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": base + "/"},
        timeout=10,
    )
    assert placed.status_code == 503
    assert "Back in a moment" in placed.text
    cuttable_database.mend()
    wait_until(lambda: requests.get(base + "/readyz", timeout=10).status_code == 200)
    connections.close_all()  # this test's own connection died with the cut (the server's
    # request threads connect anew, as gunicorn's do with CONN_HEALTH_CHECKS)
    assert Order.objects.count() == 0
    sku.refresh_from_db()
    assert sku.stock == 10
