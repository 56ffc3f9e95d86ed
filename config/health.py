"""Liveness (/healthz: no I/O) and readiness (/readyz: database and Redis answer)."""

import logging

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


@never_cache
@require_GET
def readyz(request):
    checks = {"database": _check_database(), "redis": _check_redis()}
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
