"""When Redis or PostgreSQL is unreachable: what counts as an outage, how it is reported,
and the one answer a request gets when it cannot be served without the missing part.

- ``REDIS_DOWN`` / ``DATABASE_DOWN``: the exceptions that mean "the server did not answer"
  (refused, timed out, the cluster lost a slot), as opposed to an error reply, which is a bug
  or an ordinary answer (BUSYGROUP) and is not hidden.
- ``degraded(use, exc)``: a part of the shop went on without Redis (the catalog cache read
  PostgreSQL, the login limiter let the attempt through). Counted in
  ``kuaimai_degraded_total{use}`` every time, logged once per ``OUTAGE_LOG_INTERVAL`` per
  use, so an outage under load writes a line a minute, not a line a request.
- ``outage_response(request, exc)``: 503 with ``Retry-After`` — the API's error body under
  /api/, else the shop's own page (rendered without context processors: they need the very
  parts that are down). ``OutageMiddleware`` gives it to exceptions from views; the 500
  handler (config.views.server_error) to those from middleware (the session saved after
  the view).
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger("kuaimai.outage")

REDIS_DOWN: tuple[type[Exception], ...] = (
    redis.ConnectionError,  # refused, reset, BusyLoadingError (a restart loading its data)
    redis.TimeoutError,
    redis.exceptions.ClusterDownError,
    redis.exceptions.SlotNotCoveredError,
    redis.exceptions.MasterDownError,
    redis.exceptions.TryAgainError,
    redis.exceptions.ReadOnlyError,  # a replica answering during a failover
)
DATABASE_DOWN: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


def part_down(exc: BaseException | None) -> str | None:
    """ "redis" or "database" when ``exc`` (or what caused it) says that server is
    unreachable, else None."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, ServiceUnavailable):
            return exc.part
        if isinstance(exc, REDIS_DOWN):
            return "redis"
        if isinstance(exc, DATABASE_DOWN):
            return "database"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


class ServiceUnavailable(Exception):
    """A part the request needs is down for a moment; apps subclass it with their code
    and message (the cart, the flash-sale gate).

    Not an ApplicationError on purpose: views that catch those to show a message on the
    page would swallow it; this one always reaches the edge and answers 503."""

    code = 503
    status = 503
    part = "redis"
    default_message = gettext_lazy(
        "This part of the shop is unavailable for a moment. Please try again."
    )

    def __init__(self, message=None):
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class _Throttle:
    """Once per interval per key, across the threads of a process."""

    def __init__(self):
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}
        self._lock = threading.Lock()

    def due(self, key: str, interval: float) -> tuple[bool, int]:
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < interval:
                self._suppressed[key] = self._suppressed.get(key, 0) + 1
                return False, 0
            self._last[key] = now
            return True, self._suppressed.pop(key, 0)


_throttle = _Throttle()


def log_throttled(key: str, level: int, message: str, *args) -> None:
    """Log ``message`` at most once per OUTAGE_LOG_INTERVAL for ``key``, saying how many
    were left out since the last one."""
    due, suppressed = _throttle.due(key, settings.OUTAGE_LOG_INTERVAL)
    if due:
        if suppressed:
            message += " (%d more since the last report)"
            args = (*args, suppressed)
        logger.log(level, message, *args)


def degraded(use: str, exc: BaseException) -> None:
    """Report that ``use`` went on without the part that failed (counted, logged once per
    interval)."""
    from config.metrics import DEGRADED

    DEGRADED.labels(use).inc()
    if isinstance(exc, ServiceUnavailable) and exc.__cause__ is not None:
        exc = exc.__cause__  # the server's own words, not the shopper's message
    log_throttled(
        f"degraded:{use}",
        logging.WARNING,
        "%s goes on without %s: %s",
        use,
        part_down(exc) or "redis",
        exc,
    )


def outage_response(request, exc: BaseException) -> HttpResponse | None:
    """The 503 answer for ``exc`` if it is an outage, else None."""
    from config.exceptions import error_body  # config.exceptions imports DRF, which imports
    # the authentication classes, which import this module

    part = part_down(exc)
    if part is None:
        return None
    retry_after = str(settings.OUTAGE_RETRY_AFTER)
    if isinstance(exc, ServiceUnavailable):
        code, message = exc.code, exc.message
    else:
        code, message = 503, _("The shop is busy for a moment. Please try again shortly.")
    log_throttled(
        f"outage:{part}",
        logging.ERROR,
        "%s unavailable: %s %s answered 503 (%s)",
        part,
        request.method,
        request.path[:200],
        exc,
    )
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body(code, message), status=503)
    else:
        page = loader.get_template("503.html").render({"message": message})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = retry_after
    return response


class OutageMiddleware:
    """Views that need Redis or PostgreSQL while it is down answer 503, not 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return outage_response(request, exception)
