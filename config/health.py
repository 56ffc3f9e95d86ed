"""Liveness (/healthz: no I/O) and readiness (/readyz: the database, Redis and the Celery
broker answer)."""

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


def _check_redis() -> str:
    try:
        get_redis().ping()
    except Exception as exc:  # connection refused, timeout, auth: all mean "not ready"
        logger.warning("readyz: redis check failed: %s", exc)
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
    checks = {"database": _check_database(), "redis": _check_redis(), "broker": broker_check()}
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
