"""Hostile input turned away once, at the edge, before any view or query sees it.

- A NUL byte anywhere in the path is a 404 (PostgreSQL cannot store or compare it, so a
  lookup with it would fail with a 500 deep inside a view).
- A NUL in a query or form field, or in a JSON body, is a 400 that names the field: the
  page says so (400.html), the API answers its usual error body. Nothing is saved.
- JSON nested deeper than Python's recursion limit is a 400 (``config.parsers``), not a
  RecursionError.
- A Content-Length that is not a number is a 400 (Django would raise ValueError reading
  the body; gunicorn refuses it before us, the development server does not).
"""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from config.exceptions import error_body

NUL = "\x00"


def _fields_with_nul(querydict) -> list[str]:
    fields = []
    for key, values in querydict.lists():
        if NUL in key or any(isinstance(v, str) and NUL in v for v in values):
            fields.append(key.replace(NUL, "\\0")[:50])
    return fields


def _json_has_nul(request) -> bool:
    if not request.content_type or "json" not in request.content_type:
        return False
    body = request.body
    return b"\x00" in body or b"\\u0000" in body


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or NUL in request.path_info:
            raise Http404
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not (length.isascii() and length.isdigit()):
            return self._refuse(
                request, ["Content-Length"], _("The Content-Length header must be a number.")
            )
        fields = _fields_with_nul(request.GET)
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            fields += _fields_with_nul(request.POST)
        elif request.method in ("POST", "PUT", "PATCH") and _json_has_nul(request):
            fields.append("body")
        if fields:
            return self._refuse(request, fields)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, fields: list[str], message=None):
        message = message or _("Null characters are not allowed.")
        if request.path.startswith("/api/"):
            errors = {field: [message] for field in fields}
            return JsonResponse(error_body(400, _("Invalid input."), errors), status=400)
        return render(request, "400.html", {"message": message, "fields": fields}, status=400)
