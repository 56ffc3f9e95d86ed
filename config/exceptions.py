"""Domain errors and the one DRF exception handler.

Every API error answers ``{"code": int, "message": str, "errors": {field: [..]}}``.
Business codes by module: 10xxx accounts, 20xxx catalog, 30xxx orders, 40xxx payments,
50xxx carts, 60xxx seckill, 70xxx marketing. Generic errors use the HTTP status as their code.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    """A business rule said no. Subclasses set a stable ``code`` and an HTTP ``status``."""

    code: int = 400
    status: int = status.HTTP_400_BAD_REQUEST
    default_message = _("The request could not be completed.")

    def __init__(self, message=None, *, errors: dict | None = None, headers: dict | None = None):
        self.message = str(message or self.default_message)
        self.errors = errors or {}
        self.headers = headers or {}
        super().__init__(self.message)


def error_body(code: int, message, errors: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "errors": errors or {}}


def _field_errors(detail) -> dict:
    """Flatten DRF's error detail into {field: [messages]}; nested paths joined by dots."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for field, value in detail.items():
            nested = _field_errors(value)
            if isinstance(value, dict | list) and nested and "non_field_errors" not in nested:
                for sub, msgs in nested.items():
                    out[f"{field}.{sub}" if sub != "__all__" else str(field)] = msgs
            else:
                out[str(field)] = _messages(value)
        return out
    if isinstance(detail, list):
        if detail and all(isinstance(item, dict) for item in detail):
            out = {}
            for index, item in enumerate(detail):
                for sub, msgs in _field_errors(item).items():
                    out[f"{index}.{sub}"] = msgs
            return out
        return {"non_field_errors": _messages(detail)}
    return {"non_field_errors": [str(detail)]}


def _messages(value) -> list[str]:
    if isinstance(value, list):
        result: list[str] = []
        for item in value:
            result.extend(_messages(item))
        return result
    if isinstance(value, dict):
        return [m for msgs in _field_errors(value).values() for m in msgs]
    return [str(value)]


_GENERIC_MESSAGES = {
    400: _("Invalid input."),
    401: _("Authentication credentials were not provided or are invalid."),
    403: _("You do not have permission to perform this action."),
    404: _("Not found."),
    405: _("Method not allowed."),
    406: _("Not acceptable."),
    415: _("Unsupported media type."),
    429: _("Too many requests. Try again later."),
}


def api_exception_handler(exc, context):
    """Turn any known error into the documented body; unknown errors stay 500s, except
    Redis or PostgreSQL being down, which is a 503 with Retry-After (config.outage)."""
    from config.outage import outage_response

    outage = outage_response(context["request"], exc)
    if outage is not None:
        return outage
    if isinstance(exc, ApplicationError):
        return Response(
            error_body(exc.code, exc.message, exc.errors), status=exc.status, headers=exc.headers
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    code = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        body = error_body(code, _GENERIC_MESSAGES[400], _field_errors(exc.detail))
    elif isinstance(exc, exceptions.Throttled):
        body = error_body(code, _GENERIC_MESSAGES[429])
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else None
        if isinstance(detail, dict):
            # simplejwt's InvalidToken carries {"detail": ..., "code": ..., "messages": [..]}.
            message = detail.get("detail") or _GENERIC_MESSAGES.get(code, "")
        else:
            message = detail or _GENERIC_MESSAGES.get(code, "")
        body = error_body(code, message)
    response.data = body
    return response
