"""A crowd at the same second: 2,000 reservations from many threads for 100 units."""

import threading
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from catalog.services import stock_audit
from config.redis import get_redis
from orders.models import Order
from seckill import gate
from seckill.hot import reserve_attempt
from seckill.models import SeckillAdmission, SeckillEvent
from seckill.services import event_drain
from seckill.tests.factories import live_event

pytestmark = pytest.mark.django_db(transaction=True)


def test_2000_reservations_for_100_units_make_exactly_100_orders_and_nobody_twice(settings):
    settings.SECKILL_RATE_PER_IP = 100_000
    settings.SECKILL_RATE_PER_USER = 100_000
    gate.forget_sold_out()
    event = live_event(allocated=100)
    User = get_user_model()
    User.objects.bulk_create(
        [User(username=f"crowd{i}", phone=f"1390000{i:04d}") for i in range(500)]
    )
    user_ids = list(User.objects.filter(username__startswith="crowd").values_list("pk", flat=True))
    # Each of 500 shoppers presses "buy" four times: 2,000 reservations from 20 threads.
    attempts = [user_ids[i % 500] for i in range(2000)]
    admitted: list[tuple[str, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def press(chunk):
        start.wait()
        for user_id in chunk:
            rid, refusal = reserve_attempt(
                event_id=event.pk, user_id=user_id, quantity=1, token_id="", ip="10.0.0.1"
            )
            if refusal is None:
                with lock:
                    admitted.append((rid, user_id))

    threads = [threading.Thread(target=press, args=(attempts[i::20],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 100
    assert max(Counter(user_id for _rid, user_id in admitted).values()) == 1
    assert get_redis().get(gate.key(event.pk, "stock")) == "0"
    while event_drain(event_id=event.pk):
        pass
    connection.close()
    assert Order.objects.filter(source="seckill").count() == 100
    assert SeckillAdmission.objects.count() == 100
    assert max(Counter(SeckillAdmission.objects.values_list("user_id", flat=True)).values()) == 1
    assert SeckillEvent.objects.get(pk=event.pk).stock == 0
    assert gate.stream_backlog(event.pk) == (0, 0)
    assert stock_audit() == []
