"""The access middleware: each request counted and timed (config.metrics), logged once as
the access line (route, status, duration, user), and the order or payment its URL names
bound to every log line of the request (config.logs)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.utils.functional import SimpleLazyObject, empty

from config.logs import log_bind, log_context_reset
from config.metrics import HTTP_DURATION, HTTP_REQUESTS, method_label

access_logger = logging.getLogger("kuaimai.access")
_URL_NUMBERS = ("order_no", "payment_no", "refund_no", "request_no", "reservation_id")


def _user_id(request):
    """The signed-in user's id, if this request already looked them up: the access line
    never costs a session read or a query of its own."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None


class AccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.log = settings.ACCESS_LOG

    def __call__(self, request):
        started = time.perf_counter()
        log_context_reset()
        response = self.get_response(request)
        duration = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        # The URL pattern's name, not the path: /orders/<no>/ is one series, not one a shopper.
        route = (match.view_name or match.route or "unnamed") if match else "unmatched"
        method = method_label(request.method)
        HTTP_DURATION.labels(route, method).observe(duration)
        HTTP_REQUESTS.labels(route, method, str(response.status_code)).inc()
        if self.log:
            status = response.status_code
            access_logger.log(
                logging.ERROR if status >= 500 else logging.INFO,
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={
                    "method": request.method,
                    "path": request.path[:200],
                    "route": route,
                    "status": status,
                    "duration_ms": round(duration * 1000, 1),
                    "user_id": _user_id(request) or getattr(request, "log_user_id", None),
                },
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        numbers = {k: view_kwargs[k] for k in _URL_NUMBERS if k in view_kwargs}
        if numbers:
            log_bind(**numbers)
