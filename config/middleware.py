"""Request ids: accept X-Request-ID (or make one), echo it, and put it on every log line."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id(candidate: str | None = None) -> str:
    if candidate and _VALID.match(candidate):
        return candidate
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = new_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        # Not reset after the response: Django logs 4xx/5xx after the middleware returns, and
        # every request (thread or asyncio task) sets its own id first.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True
