"""Redis down: the shop degrades and never answers 500, and recovers by itself.

Every test runs the shop on a Redis server of its own (``killable_redis``) and kills it with
SIGKILL mid-test, then starts it again on the same port from its append-only file.
"""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse
from prometheus_client import REGISTRY

from accounts.tests.factories import PASSWORD, UserFactory
from catalog.tests.factories import make_product
from config.testing import wait_until

pytestmark = pytest.mark.django_db


def degraded(use: str) -> float:
    return REGISTRY.get_sample_value("kuaimai_degraded_total", {"use": use}) or 0


def redis_errors(client: str, kind: str = "connection") -> float:
    labels = {"client": client, "kind": kind}
    return REGISTRY.get_sample_value("kuaimai_redis_errors_total", labels) or 0


def test_catalog_pages_and_the_product_api_are_served_from_postgresql(client, killable_redis):
    product = make_product(name="保温杯")
    category = product.category
    killable_redis.kill()
    before = degraded("cache")
    pages = [
        reverse("home"),
        reverse("catalog:product", args=[product.slug]),
        reverse("catalog:category", args=[category.slug]),
        reverse("catalog:search") + "?q=保温杯",
        reverse("api-products"),
        reverse("api-product", args=[product.pk]),
        reverse("seckill:sessions"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "保温杯" in client.get(reverse("catalog:product", args=[product.slug])).text
    assert client.get(reverse("api-product", args=[product.pk])).json()["name"] == "保温杯"
    assert degraded("cache") > before


def test_a_cache_outage_is_logged_once_per_interval_and_counted_each_time(
    client, killable_redis, caplog
):
    product = make_product()
    killable_redis.kill()
    before = degraded("cache")
    with caplog.at_level(logging.WARNING, logger="kuaimai.outage"):
        for _ in range(5):
            assert client.get(reverse("catalog:product", args=[product.slug])).status_code == 200
    lines = [r for r in caplog.records if r.getMessage().startswith("cache goes on without")]
    assert len(lines) <= 1  # one per OUTAGE_LOG_INTERVAL (60 s), or none if logged just now
    assert degraded("cache") - before >= 5


def test_login_works_and_the_lockout_fails_open_then_counts_again(client, killable_redis, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 2
    UserFactory(username="mei")
    url = reverse("accounts:login")
    killable_redis.kill()
    for _ in range(3):  # past the limit, but the lockout cannot count: it lets them try
        bad = client.post(url, {"identifier": "mei", "password": "wrong"})
        assert bad.status_code == 200
    before = degraded("login_lockout")
    ok = client.post(url, {"identifier": "mei", "password": PASSWORD})
    assert ok.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert degraded("login_lockout") > before
    client.logout()

    killable_redis.start()
    wait_until(
        lambda: client.post(url, {"identifier": "mei", "password": "wrong"}).status_code == 200
    )
    client.post(url, {"identifier": "mei", "password": "wrong"})
    locked = client.post(url, {"identifier": "mei", "password": PASSWORD})
    assert locked.status_code == 429  # failures are recorded again once Redis is back


def test_the_api_token_login_and_a_signed_in_product_request_work(api_client, killable_redis):
    user = UserFactory()
    product = make_product()
    killable_redis.kill()
    tokens = api_client.post(
        reverse("api-token"), {"identifier": user.username, "password": PASSWORD}, format="json"
    )
    assert tokens.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    assert api_client.get(reverse("api-product", args=[product.pk])).status_code == 200
    assert api_client.get(reverse("api-me")).json()["username"] == user.username


def test_the_cart_answers_503_with_its_code_and_keeps_every_line(
    client, api_client, killable_redis
):
    user = UserFactory()
    sku = make_product().skus.get()
    client.force_login(user)
    api_client.force_authenticate(user)
    assert client.post(reverse("carts:add"), {"sku": sku.pk, "quantity": 2}).status_code == 302
    killable_redis.kill()

    page = client.get(reverse("carts:cart"))
    assert page.status_code == 503
    assert int(page["Retry-After"]) > 0
    assert "Your cart is unavailable for a moment" in page.text
    add = client.post(reverse("carts:add"), {"sku": sku.pk, "quantity": 1})
    assert add.status_code == 503
    api = api_client.get(reverse("api-cart"))
    assert api.status_code == 503
    assert api.json()["code"] == 50006
    assert api["Retry-After"]
    post = api_client.post(reverse("api-cart-items"), {"sku_id": sku.pk, "quantity": 1})
    assert post.status_code == 503 and post.json()["code"] == 50006
    # Every other page still renders, its header badge left out.
    assert client.get(reverse("home")).status_code == 200

    killable_redis.start()
    cart = wait_until(lambda: (r := api_client.get(reverse("api-cart"))).status_code == 200 and r)
    assert [(line["sku_id"], line["quantity"]) for line in cart.json()["lines"]] == [(sku.pk, 2)]


def test_a_guest_cart_waits_through_an_outage_at_login_and_joins_afterwards(client, killable_redis):
    UserFactory(username="lan")
    sku = make_product().skus.get()
    client.post(reverse("carts:add"), {"sku": sku.pk, "quantity": 3})
    killable_redis.kill()
    login = client.post(reverse("accounts:login"), {"identifier": "lan", "password": PASSWORD})
    assert login.status_code == 302  # signed in; the merge waits
    killable_redis.start()
    page = wait_until(lambda: (r := client.get(reverse("carts:cart"))).status_code == 200 and r)
    lines = page.context["cart"]["lines"]
    assert [(line["sku_id"], line["quantity"]) for line in lines] == [(sku.pk, 3)]
    again = client.get(reverse("carts:cart"))  # merged once: not added a second time
    assert [line["quantity"] for line in again.context["cart"]["lines"]] == [3]


def test_a_flash_sale_reservation_answers_503_never_sold_out(client, killable_redis):
    from seckill.tests.factories import live_event
    from seckill.tokens import token_issue

    user = UserFactory()
    event = live_event(allocated=5)
    token, _ttl = token_issue(user_id=user.pk, event_id=event.pk)
    killable_redis.kill()
    before = (
        REGISTRY.get_sample_value("kuaimai_seckill_reservations_total", {"outcome": "gate_down"})
        or 0
    )
    answer = client.post(
        reverse("api-seckill-reserve", args=[event.pk]),
        {"token": token},
        content_type="application/json",
    )
    assert answer.status_code == 503
    assert answer.json()["code"] == 60012
    assert answer["Retry-After"]
    assert (
        REGISTRY.get_sample_value("kuaimai_seckill_reservations_total", {"outcome": "gate_down"})
        == before + 1
    )
    assert client.get(reverse("seckill:event", args=[event.pk])).status_code == 200
    client.force_login(user)
    buy = client.post(reverse("seckill:buy", args=[event.pk]))
    assert buy.status_code == 503
    assert "cannot be reached for a moment" in buy.text

    killable_redis.start()
    admitted = wait_until(
        lambda: (
            (
                r := client.post(
                    reverse("api-seckill-reserve", args=[event.pk]),
                    {"token": token_issue(user_id=user.pk, event_id=event.pk)[0]},
                    content_type="application/json",
                )
            ).status_code
            == 202
            and r
        )
    )
    assert admitted.json()["reservation_id"].startswith(f"{event.pk}-")


def test_readyz_names_the_part_that_is_down_and_healthz_stays_200(client, killable_redis):
    killable_redis.kill()
    ready = client.get("/readyz")
    assert ready.status_code == 200  # this node still serves: degraded, not out
    assert ready.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "unavailable", "state": "unavailable",
                   "broker": "ok"},
    }  # fmt: skip
    assert client.get("/healthz").status_code == 200
    killable_redis.start()
    wait_until(lambda: client.get("/readyz").json()["status"] == "ok")


def test_a_product_changed_during_the_outage_is_not_shown_stale_when_redis_returns(
    client, killable_redis
):
    from catalog.services import product_update

    product = make_product(name="旧名字")
    url = reverse("catalog:product", args=[product.slug])
    assert "旧名字" in client.get(url).text  # cached
    killable_redis.kill()
    product_update(product=product, data={"name": "新名字"})
    assert "新名字" in client.get(url).text  # from PostgreSQL
    killable_redis.start()
    # The cache still holds the old page; this process owed it a version bump and pays
    # it before its first read.
    wait_until(lambda: client.get(url).status_code == 200)
    assert "新名字" in client.get(url).text


def test_a_shopper_who_signs_out_during_the_outage_stays_signed_out(client, killable_redis):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 200  # session cached
    old_session = client.cookies["sessionid"].value
    killable_redis.kill()
    client.post(reverse("accounts:logout"))
    killable_redis.start()
    wait_until(lambda: client.get(reverse("home")).status_code == 200)
    # The old cookie again (a second tab, or a thief who copied it): the cached session from
    # before the outage was removed when Redis came back, so it is signed out.
    client.cookies["sessionid"] = old_session
    profile = client.get(reverse("accounts:profile"))
    assert profile.status_code == 302  # to the login page


def test_only_real_failures_count_as_redis_errors(killable_redis):
    import redis as redis_py

    from config.redis import get_redis

    client = get_redis()
    client.xgroup_create("s", "g", id="$", mkstream=True)
    before_reply = redis_errors("state", "reply")
    with pytest.raises(redis_py.ResponseError):
        client.xgroup_create("s", "g", id="$", mkstream=True)  # BUSYGROUP: an answer
    with pytest.raises(redis_py.ResponseError):
        client.xreadgroup("nogroup", "c", {"s": ">"})  # NOGROUP: an answer
    assert redis_errors("state", "reply") == before_reply
    before = redis_errors("state")
    killable_redis.kill()
    with pytest.raises(redis_py.ConnectionError):
        client.get("k")
    assert redis_errors("state") == before + 1
