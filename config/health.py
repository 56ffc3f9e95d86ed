"""Liveness (/healthz: no I/O, 200 whatever is down) and readiness (/readyz: which part
answers — the database, the cache's Redis, the app state's Redis by a keyed read, and the
Celery broker; 503 naming the part that does not)."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.redis import get_redis

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"; logged, not hidden
        logger.warning("readyz: database check failed: %s", exc)
        return "unavailable"
    return "ok"


def _check_state() -> str:
    # A keyed read, not a PING: on a Redis Cluster any node answers a PING while the slots
    # of carts and flash sales may have no master.
    try:
        get_redis().get("readyz:probe")
    except Exception as exc:  # connection refused, timeout, auth, no slot: all "not ready"
        logger.warning("readyz: app state (redis) check failed: %s", exc)
        return "unavailable"
    return "ok"


def _check_cache() -> str:
    if not settings.REDIS_CACHE_URL:  # embedded: the cache is in the process
        return "ok"
    from django_redis import get_redis_connection

    try:
        get_redis_connection("default").get("readyz:probe")
    except Exception as exc:  # the cache fails open, but the probe says it is down
        logger.warning("readyz: cache (redis) check failed: %s", exc)
        return "unavailable"
    return "ok"


def broker_check() -> str:
    """ "ok" when the Celery broker accepts a connection, else "unavailable" (logged)."""
    from config.celery import app

    try:
        # One try, within the Redis timeout: a readiness probe must answer, not wait.
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                   timeout=settings.REDIS_SOCKET_TIMEOUT)  # fmt: skip
    except Exception as exc:  # refused, timeout, auth: all mean "not ready"; logged
        logger.warning("broker check failed: %s", exc)
        return "unavailable"
    return "ok"


@never_cache
@require_GET
def readyz(request):
    """200 "ok" when every part answers; 200 "degraded" when only Redis or the broker is
    down (this node still serves: pages from PostgreSQL, carts and flash sales answer 503,
    tasks wait), so a load balancer does not take every node out for a Redis restart;
    503 "unavailable" when the database is down, since nothing can be served without it."""
    checks = {
        "database": _check_database(),
        "cache": _check_cache(),
        "state": _check_state(),
        "broker": broker_check(),
    }
    if checks["database"] != "ok":
        status = "unavailable"
    elif all(value == "ok" for value in checks.values()):
        status = "ok"
    else:
        status = "degraded"
    return JsonResponse(
        {"status": status, "checks": checks}, status=503 if status == "unavailable" else 200
    )
