import threading
import time

import pytest

from config import redis as redis_factory
from config.ratelimit import rate_limit_hit, rate_limit_peek, rate_limit_reset


def test_allows_up_to_the_limit_then_refuses_with_retry_after():
    results = [rate_limit_hit(key="t:basic", limit=3, window_seconds=60) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.hits for r in results] == [1, 2, 3, 3]
    assert 59_000 < results[-1].retry_after_ms <= 60_000
    assert results[-1].retry_after_seconds == 60


def test_peek_does_not_count_and_reset_forgets():
    for _ in range(2):
        rate_limit_hit(key="t:peek", limit=2, window_seconds=60)
    assert rate_limit_peek(key="t:peek", limit=2, window_seconds=60).allowed is False
    assert rate_limit_peek(key="t:peek", limit=3, window_seconds=60).hits == 2
    rate_limit_reset(key="t:peek")
    assert rate_limit_peek(key="t:peek", limit=2, window_seconds=60).allowed is True


def test_window_slides():
    assert rate_limit_hit(key="t:slide", limit=1, window_seconds=0.3).allowed
    assert not rate_limit_hit(key="t:slide", limit=1, window_seconds=0.3).allowed
    time.sleep(0.35)
    assert rate_limit_hit(key="t:slide", limit=1, window_seconds=0.3).allowed


def test_refused_hits_are_not_recorded():
    rate_limit_hit(key="t:refused", limit=1, window_seconds=60)
    for _ in range(5):
        rate_limit_hit(key="t:refused", limit=1, window_seconds=60)
    assert rate_limit_peek(key="t:refused", limit=10, window_seconds=60).hits == 1


def test_concurrent_hits_admit_exactly_the_limit():
    admitted = []
    barrier = threading.Barrier(16)

    def worker():
        barrier.wait()
        for _ in range(10):
            if rate_limit_hit(key="t:race", limit=37, window_seconds=60).allowed:
                admitted.append(1)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 37
    assert rate_limit_peek(key="t:race", limit=100, window_seconds=60).hits == 37


def test_embedded_mode_runs_the_same_script_on_fakeredis(settings):
    import fakeredis

    settings.REDIS_STATE_URL = ""
    client = redis_factory.get_redis()
    assert isinstance(client, fakeredis.FakeRedis)
    results = [rate_limit_hit(key="t:fake", limit=2, window_seconds=60) for _ in range(3)]
    assert [r.allowed for r in results] == [True, True, False]
    assert results[-1].retry_after_seconds == 60


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/13"])
def test_factory_returns_one_client_per_url(settings, url):
    settings.REDIS_STATE_URL = url
    assert redis_factory.get_redis() is redis_factory.get_redis()
    assert redis_factory.get_redis().connection_pool.connection_kwargs["db"] == 13
