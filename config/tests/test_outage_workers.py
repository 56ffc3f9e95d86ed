"""A Celery worker and the flash-sale consumer ride out a Redis outage of over two minutes:
neither exits, both resume by themselves, and nothing is lost or doubled.

The two run as the deployment runs them (``celery -A config worker``, ``manage.py
seckill_consume``) in processes of their own, on a Redis server this test starts, kills with
SIGKILL while the worker holds a countdown task and an admission waits in the stream, and
starts again from its append-only file OUTAGE_SECONDS later.
"""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import AddressFactory, UserFactory
from catalog.tests.factories import make_product
from config.testing import publish_to, wait_until
from config.testing_servers import WORKER, RedisServer, ShopProcess

pytestmark = pytest.mark.django_db(transaction=True)

OUTAGE_SECONDS = float(os.environ.get("KUAIMAI_OUTAGE_SECONDS", "125"))


@pytest.fixture
def redis_for_all(settings, monkeypatch):
    """One Redis for everything (cache 0, broker 1, channels 2, app state 3), as REDIS_URL
    lays it out, for this process and the ones it starts."""
    server = RedisServer(persist=True).start()
    settings.REDIS_STATE_URL = server.url(3)
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": server.url(0)},
    }
    publish_to(monkeypatch, settings, server.url(1), max_countdown=5)
    yield server
    server.stop()


def _env(server: RedisServer) -> dict[str, str]:
    return {
        "REDIS_URL": server.url(0),
        "CELERY_MAX_COUNTDOWN": "5",
        # A message a worker held when it lost Redis is back on its queue after this.
        "CELERY_VISIBILITY_TIMEOUT": "20",
        "SECKILL_CONSUMER_MAX_BACKOFF": "2",
        "OUTAGE_LOG_INTERVAL": "60",
    }


def test_the_worker_and_the_consumer_survive_a_redis_outage_and_lose_nothing(
    redis_for_all, tmp_path
):
    from orders.models import Order, OrderStatus
    from orders.services import OrderLine, order_create_from_lines
    from seckill import gate
    from seckill.models import SeckillAdmission
    from seckill.tests.factories import live_event

    server = redis_for_all
    worker = ShopProcess("worker", tmp_path, _env(server), *WORKER, "--hostname", "outage@%h")
    consumer = ShopProcess("consumer", tmp_path, _env(server), "manage.py", "seckill_consume")
    try:
        wait_until(lambda: "ready" in worker.text(), timeout=30)
        wait_until(lambda: "running" in consumer.text(), timeout=30)

        # An unpaid order whose pay countdown the worker holds when Redis dies.
        buyer = UserFactory()
        AddressFactory(user=buyer, is_default=True)
        sku = make_product().skus.get()
        unpaid, _created = order_create_from_lines(
            user=buyer,
            lines=[OrderLine(sku_id=sku.pk, quantity=1, unit_price=Decimal("100.00"))],
            source="web",
            idempotency_key="outage-countdown",
            pay_timeout=30,
        )
        # A flash-sale admission queued while the consumer is held, so it waits in the
        # stream through the outage.
        event = live_event(allocated=5)
        consumer.signal(signal.SIGSTOP)
        answer = gate.reserve(
            event_id=event.pk, user_id=buyer.pk, quantity=1, reservation_id=f"{event.pk}-outage",
            token_id=f"{event.pk}-outage", ip="127.0.0.1",
        )  # fmt: skip
        assert answer.code == gate.ADMITTED
        time.sleep(2)  # the worker has taken the countdown and holds it

        server.kill()
        consumer.signal(signal.SIGCONT)
        time.sleep(OUTAGE_SECONDS)
        assert worker.alive(), worker.text()[-3000:]
        assert consumer.alive(), consumer.text()[-3000:]
        server.start()

        # The admission becomes exactly one order; the countdown closes the unpaid order.
        wait_until(
            lambda: SeckillAdmission.objects.filter(reservation_id=f"{event.pk}-outage").exists(),
            timeout=60,
        )
        wait_until(
            lambda: Order.objects.get(pk=unpaid.pk).status == OrderStatus.CANCELLED,
            timeout=90,
            interval=0.5,
        )
        time.sleep(3)  # a second delivery would have made a second order by now
        assert Order.objects.filter(idempotency_key=f"{event.pk}-outage").count() == 1
        assert SeckillAdmission.objects.filter(event=event).count() == 1
        assert worker.alive() and consumer.alive()
    finally:
        consumer.stop()
        worker.stop()
    worker_text = worker.text()
    consumer_text = consumer.text()
    assert "Unrecoverable error" not in worker_text
    assert "Traceback" not in consumer_text
    # Its start-up line is a JSON log line like every other.
    started = next(line for line in consumer_text.splitlines() if "running" in line)
    assert json.loads(started)["logger"] == "seckill.consumer"
    # Logged once per OUTAGE_LOG_INTERVAL (60 s) while it lasted, then once on coming back.
    waits = consumer_text.count("waits for redis")
    assert 1 <= waits <= 1 + int(OUTAGE_SECONDS // 60) + 1, consumer_text[-2000:]
    assert "consuming again" in consumer_text
    assert timezone.now() - unpaid.created_at > timedelta(seconds=30)
