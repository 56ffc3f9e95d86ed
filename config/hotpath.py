"""A WSGI handler with a short middleware stack, for the one path that meets a flash-sale
crowd (``POST /api/v1/seckill/events/<id>/reserve``).

That view reads its identity from a signed token and makes one Redis call; sessions, the
locale, CSRF (it is exempt), auth, messages and the catalog memo would only cost it time.
bench/seckill_bench.py measures the difference. What every request must still get stays:
the request id (logs, the X-Request-ID header), the security headers and the NUL refusal.
The request resolves against a URLconf of that one path (``HOT_URLCONF``); the view
builds no URL, so the host check CommonMiddleware would make is not needed either.
Django's handler reads its middleware from settings.MIDDLEWARE only, hence this subclass.
"""

from __future__ import annotations

import re

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.utils.module_loading import import_string

HOT_PATH = re.compile(r"^/api/v1/seckill/events/[0-9]{1,12}/reserve$")
HOT_URLCONF = "seckill.hot_urls"
LEAN_MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "config.access.AccessMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.edge.RejectNulMiddleware",
]


class LeanWSGIHandler(WSGIHandler):
    def get_response(self, request):
        request.urlconf = HOT_URLCONF
        return super().get_response(request)

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(LEAN_MIDDLEWARE):
            handler = convert_exception_to_response(import_string(path)(handler))
        self._middleware_chain = handler


def with_hot_path(application):
    """The WSGI app: the hot path through the lean handler, everything else as before."""
    lean = LeanWSGIHandler()

    def dispatch(environ, start_response):
        if HOT_PATH.match(environ.get("PATH_INFO", "")):
            return lean(environ, start_response)
        return application(environ, start_response)

    return dispatch
