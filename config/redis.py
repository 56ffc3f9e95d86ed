"""The one Redis-client factory for app state (rate limits, carts, seckill).

Full mode: a real redis-py client per URL, pooled. ``REDIS_STATE_URL`` may name a Redis
Cluster with the ``redis+cluster://host:port`` scheme (any node; the client finds the others):
then the client is a ``redis.cluster.RedisCluster``, and every script's keys share one hash
slot (the carts' and the limiters' one key each, a flash sale's ``{sk:E}`` tag), which the
suite checks on every call. Embedded mode: one in-process fakeredis server with Lua support,
so the same scripts run without a Redis server. Settings are read at call time, so tests can
point a client elsewhere with override_settings.
"""

from __future__ import annotations

import threading
from functools import cache

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

CLUSTER_SCHEME = "redis+cluster://"

_lock = threading.Lock()
_clients: dict[str, redis.Redis] = {}


@cache
def _fake_server():
    import fakeredis

    return fakeredis.FakeServer()


def get_redis() -> redis.Redis:
    """Return the Redis client for app state; responses are decoded to str."""
    url = settings.REDIS_STATE_URL
    client = _clients.get(url)
    if client is not None:
        return client
    with _lock:
        client = _clients.get(url)
        if client is None:
            if url.startswith(CLUSTER_SCHEME):
                from config.metrics.hooks import CountingRedisCluster

                client = CountingRedisCluster.from_url(
                    "redis://" + url[len(CLUSTER_SCHEME) :].split("/", 1)[0],
                    decode_responses=True,
                    socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
                    socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
                    retry=Retry(NoBackoff(), 1),
                )
            elif url:
                from config.metrics.hooks import CountingRedis

                client = CountingRedis.from_url(
                    url,
                    decode_responses=True,
                    socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
                    socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
                    # One quick reconnect (a pooled connection a restart closed), not
                    # redis-py's ten with backoff: callers fail open or answer 503 at once.
                    retry=Retry(NoBackoff(), 1),
                    health_check_interval=30,
                )
            else:
                import fakeredis

                client = fakeredis.FakeRedis(server=_fake_server(), decode_responses=True)
            _clients[url] = client
    return client


class LuaScript:
    """A Lua script loaded from config/lua or an app's lua/ folder, run with EVALSHA."""

    def __init__(self, source: str):
        self.source = source
        self._registered: dict[int, redis.commands.core.Script] = {}

    # The suite sets this to a check run on every call (config.testing): all keys in one slot.
    check_keys = None

    def __call__(self, *, keys: list[str], args: list, client: redis.Redis | None = None):
        if LuaScript.check_keys is not None:
            LuaScript.check_keys(keys)
        client = client or get_redis()
        script = self._registered.get(id(client))
        if script is None:
            script = client.register_script(self.source)
            self._registered[id(client)] = script
        return script(keys=keys, args=args)
