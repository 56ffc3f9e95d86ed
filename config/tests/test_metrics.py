"""/metrics: closed to all but the scraper, and every counter moves by exactly what happened
(a checkout and a payment, a flash sale, a refused notification, failed logins), on the real
PostgreSQL and Redis."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import redis
import requests
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from accounts.tests.factories import UserFactory
from catalog.tests.factories import make_product
from config.metrics.hooks import CountingRedis
from orders.models import Order
from orders.services import order_close_overdue
from payments.providers.sandbox import sign
from payments.tests.conftest import checkout_and_pay
from seckill import gate
from seckill.tests.factories import live_event
from seckill.tokens import token_issue

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "scrape-token-for-tests"  # noqa: S105
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    gate.forget_sold_out()


def scrape(client) -> dict[tuple, float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def delta(before, after, name, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


# --- Access ------------------------------------------------------------------------------


def test_metrics_answer_404_to_anyone_but_the_scraper(client, settings):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 404  # no "Bearer"
    # A forwarded header names the client, but only REMOTE_ADDR opens the allowlist.
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16"]
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 404
    ok = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ok.status_code == 200 and b"kuaimai_http_requests_total" in ok.content
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


def test_requests_are_counted_by_route_name_not_by_path(client):
    first, second = make_product(name="Lamp"), make_product(name="Desk")
    before = scrape(client)
    for product in (first, second):
        assert client.get(product.get_absolute_url()).status_code == 200
    assert client.get("/no-such-page/%00").status_code in (400, 404)
    after = scrape(client)
    route = {"route": "catalog:product", "method": "GET"}
    assert delta(before, after, "kuaimai_http_requests_total", status="200", **route) == 2
    assert delta(before, after, "kuaimai_http_request_duration_seconds_count", **route) == 2
    paths = [labels for (name, labels) in after if name == "kuaimai_http_requests_total"]
    assert not any(first.slug in str(labels) or "%00" in str(labels) for labels in paths)


# --- A checkout and a payment --------------------------------------------------------------


@pytest.fixture
def gateway(settings, live_server):
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    return live_server.url + reverse("payments:notify", args=["sandbox"])


def test_a_checkout_and_a_payment_move_each_counter_by_exactly_one(client, buyer, gateway):
    client.force_login(buyer)
    sku = make_product(name="Lamp").skus.get()
    before = scrape(client)
    checkout_and_pay(client, buyer, sku)
    after = scrape(client)

    def moved(name, **labels):
        return delta(before, after, name, **labels)

    assert moved("kuaimai_orders_total", event="created", source="cart") == 1
    assert moved("kuaimai_orders_total", event="paid", source="cart") == 1
    assert moved("kuaimai_orders_total", event="created", source="seckill") == 0
    assert moved("kuaimai_payments_total", provider="sandbox", outcome="started") == 1
    assert moved("kuaimai_payments_total", provider="sandbox", outcome="succeeded") == 1
    assert moved("kuaimai_payments_total", provider="sandbox", outcome="failed") == 0
    checkout = {"route": "orders:checkout", "method": "POST", "status": "302"}
    assert moved("kuaimai_http_requests_total", **checkout) == 1
    notify = {"route": "payments:notify", "method": "POST", "status": "200"}
    assert moved("kuaimai_http_requests_total", **notify) == 1
    task = {"task": "payments.tasks.payment_notification_process_task"}
    assert moved("kuaimai_celery_tasks_started_total", **task) == 1
    assert moved("kuaimai_celery_tasks_succeeded_total", **task) == 1
    assert moved("kuaimai_celery_tasks_failed_total", **task) == 0
    assert moved("kuaimai_celery_task_duration_seconds_count", **task) == 1
    assert moved("kuaimai_db_queries_total", kind="insert") >= 3  # order, items, payment…
    assert moved("kuaimai_db_queries_total", kind="select") > 0
    rejected = [k for k in after if k[0] == "kuaimai_payment_notifications_rejected_total"]
    assert all(delta(before, after, k[0], **dict(k[1])) == 0 for k in rejected)


def test_an_unpaid_order_past_its_deadline_counts_as_timed_out(client, buyer):
    from datetime import timedelta

    from django.utils import timezone

    from orders.tests.conftest import place_order

    order = place_order(buyer)
    Order.objects.filter(pk=order.pk).update(pay_deadline=timezone.now() - timedelta(seconds=1))
    before = scrape(client)
    assert order_close_overdue(order_id=order.pk)
    after = scrape(client)
    assert delta(before, after, "kuaimai_orders_total", event="timed_out", source="cart") == 1
    assert delta(before, after, "kuaimai_orders_total", event="cancelled", source="cart") == 0


def test_refused_notifications_are_counted_by_reason(client, gateway):
    import time

    body = json.dumps({"id": "n1", "payment_no": "P1", "amount": "1.00"}).encode()
    now = str(int(time.time()))

    def send(timestamp, signature):
        headers = {"X-Sandbox-Timestamp": timestamp, "X-Sandbox-Signature": signature}
        return requests.post(gateway, data=body, headers=headers, timeout=10)

    before = scrape(client)
    assert send(now, "0" * 64).status_code == 400  # forged
    assert send(now, "f" * 64).status_code == 400  # forged
    assert send("1", sign("1", body)).status_code == 400  # signed long ago: a replay
    after = scrape(client)
    name, sandbox = "kuaimai_payment_notifications_rejected_total", {"provider": "sandbox"}
    assert delta(before, after, name, reason="signature", **sandbox) == 2
    assert delta(before, after, name, reason="timestamp", **sandbox) == 1
    assert delta(before, after, name, reason="malformed", **sandbox) == 0


# --- Flash sale ----------------------------------------------------------------------------


def test_reservations_are_counted_by_outcome_and_the_lag_shows_the_waiting(client):
    event = live_event(allocated=1)
    url = reverse("api-seckill-reserve", args=[event.pk])

    def reserve(user_id):
        token, _ = token_issue(user_id=user_id, event_id=event.pk)
        body = json.dumps({"token": token})
        return client.post(url, body, content_type="application/json")

    before = scrape(client)
    assert reserve(UserFactory().pk).status_code == 202
    assert reserve(UserFactory().pk).status_code == 409
    body = json.dumps({"token": "not-a-token"})
    assert client.post(url, body, content_type="application/json").status_code == 403
    after = scrape(client)
    name = "kuaimai_seckill_reservations_total"
    assert delta(before, after, name, outcome="admitted") == 1
    assert delta(before, after, name, outcome="sold_out") == 1
    assert delta(before, after, name, outcome="bad_token") == 1
    route = {"route": "api-seckill-reserve", "method": "POST"}
    assert delta(before, after, "kuaimai_http_requests_total", status="202", **route) == 1
    # One admission waits for the consumer: the lag says one, and how long it has waited.
    assert value(after, "kuaimai_seckill_consumer_lag") == 1
    assert 0 <= value(after, "kuaimai_seckill_consumer_lag_seconds") < 60

    from seckill.services import event_drain

    gate.ensure_group(event.pk)
    assert event_drain(event_id=event.pk) == 1
    drained = scrape(client)
    assert value(drained, "kuaimai_seckill_consumer_lag") == 0
    assert value(drained, "kuaimai_seckill_consumer_lag_seconds") == 0
    assert delta(after, drained, "kuaimai_orders_total", event="created", source="seckill") == 1


# --- Logins, stock, Redis, queues ----------------------------------------------------------


def test_failed_logins_and_lockouts_are_counted(client, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 2
    UserFactory(username="mei")
    before = scrape(client)
    answers = [
        client.post(reverse("accounts:login"), {"identifier": "mei", "password": "wrong"})
        for _ in range(3)
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    after = scrape(client)
    assert delta(before, after, "kuaimai_login_failures_total", reason="credentials") == 2
    assert delta(before, after, "kuaimai_login_lockouts_total", scope="account") == 1


def test_a_sku_falling_to_its_threshold_counts_one_stock_alert(client, buyer):
    from orders.tests.conftest import place_order

    sku = make_product(skus=[{"attributes": {"colour": "red"}, "stock": 7}]).skus.get()
    before = scrape(client)
    place_order(buyer, sku=sku, quantity=2)  # 7 → 5: at the default threshold of 5
    place_order(buyer, sku=sku, quantity=1)  # 5 → 4: already below, no second alert
    after = scrape(client)
    assert delta(before, after, "kuaimai_stock_alerts_total") == 1


def test_failed_redis_commands_are_counted():
    from prometheus_client import REGISTRY

    def errors():
        labels = {"client": "state", "kind": "connection"}
        return REGISTRY.get_sample_value("kuaimai_redis_errors_total", labels) or 0

    from config.testing_servers import free_port

    before = errors()
    dead = CountingRedis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.2)
    with pytest.raises(redis.ConnectionError):
        dead.get("anything")
    assert errors() - before == 1


@pytest.mark.broker
def test_queue_depth_counts_what_waits_for_a_worker(client, settings):
    from config.celery import app
    from orders.tasks import orders_close_overdue_task

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.control.purge()
    try:
        orders_close_overdue_task.delay()
        orders_close_overdue_task.delay()
        samples = scrape(client)
    finally:
        app.control.purge()
        app.conf.task_always_eager = True
    assert value(samples, "kuaimai_celery_queue_depth", queue="default") == 2
    assert value(samples, "kuaimai_celery_queue_depth", queue="seckill") == 0


# --- Every process counted -------------------------------------------------------------------


def test_in_multiprocess_mode_the_scrape_adds_up_every_process(tmp_path):
    """Two processes count (as two gunicorn or Celery workers would); a third one, the one
    answering /metrics, shows the sum."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    count = textwrap.dedent(
        """
        import django; django.setup()
        from config.metrics import ORDERS, SECKILL_RESERVATIONS
        ORDERS.labels(event="created", source="seckill").inc()
        SECKILL_RESERVATIONS.labels("admitted").inc(3)
        """
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, cwd=BASE_DIR, check=True)
    show = textwrap.dedent(
        """
        import django; django.setup()
        from config.metrics.view import render
        print(render().decode())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", show], env=env, cwd=BASE_DIR, check=True, capture_output=True
    ).stdout.decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(out)
        for s in family.samples
    }
    assert value(samples, "kuaimai_orders_total", event="created", source="seckill") == 2
    assert value(samples, "kuaimai_seckill_reservations_total", outcome="admitted") == 6
    # Each file is named by host and PID, so containers sharing the folder (each numbering
    # its processes from 1) never write into one another's.
    import socket

    host = socket.gethostname().replace("_", "-")
    names = {path.name for path in tmp_path.glob("counter_*.db")}
    assert len(names) >= 2  # the two counting processes (and the one that showed them)
    assert all(re.fullmatch(rf"counter_{re.escape(host)}-\d+\.db", name) for name in names)


def test_the_scrape_counts_the_workers_that_answer(client, settings, real_worker):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.METRICS_WORKER_PING_TIMEOUT = 2.0
    assert value(scrape(client), "kuaimai_celery_workers_alive") == 1


@pytest.mark.broker
def test_with_no_worker_the_scrape_says_none_is_alive(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.METRICS_WORKER_PING_TIMEOUT = 0.2
    samples = scrape(client)
    assert ("kuaimai_celery_workers_alive", ()) in samples
    assert value(samples, "kuaimai_celery_workers_alive") == 0


def test_the_metrics_package_imports_no_app_the_apps_register_their_collectors():
    from pathlib import Path

    from config.metrics.live import _registered

    folder = Path(__file__).resolve().parents[1] / "metrics"
    apps = r"(accounts|catalog|carts|orders|payments|seckill)\b"
    for path in folder.glob("*.py"):
        assert not re.search(rf"^\s*(from|import) {apps}", path.read_text(), re.M), path.name
    assert "ConsumerLagCollector" in {type(collector).__name__ for collector in _registered}
