"""The reserve endpoint: the one path that meets the whole crowd at the same second.

A plain Django view, not DRF: identity is the flash-sale token's claims (a JWT, verified
without the database), the work is one Lua call in the gate, and the answer is a small JSON
body. DRF's request wrapping, authentication classes and content negotiation cost more than
all of that together (bench/seckill.py measures it), and nothing here needs them. It runs no
SQL and opens no transaction (a test counts the queries).
"""

from __future__ import annotations

import json
import logging
import secrets

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from config.exceptions import error_body
from config.metrics import SECKILL_RESERVATIONS
from config.net import client_ip
from config.outage import REDIS_DOWN, log_throttled
from seckill import errors, gate
from seckill.tokens import token_read

logger = logging.getLogger(__name__)

# The gate's answers as the metrics' outcome label.
_OUTCOMES = {
    gate.ADMITTED: "admitted",
    gate.NOT_STARTED: "not_started",
    gate.ENDED: "ended",
    gate.SOLD_OUT: "sold_out",
    gate.OVER_LIMIT: "over_limit",
    gate.TOKEN_USED: "token_used",
    gate.RATE_LIMITED: "rate_limited",
    gate.NOT_WARMED: "not_warmed",
}
# Children made once: labels() looks the series up under a lock, this path is the hottest.
_COUNT = {code: SECKILL_RESERVATIONS.labels(name) for code, name in _OUTCOMES.items()}
_COUNT_BAD_TOKEN = SECKILL_RESERVATIONS.labels("bad_token")
_COUNT_GATE_DOWN = SECKILL_RESERVATIONS.labels("gate_down")

_REFUSALS = {
    gate.NOT_STARTED: errors.EventNotStarted,
    gate.ENDED: errors.EventOver,
    gate.SOLD_OUT: errors.SoldOut,
    gate.OVER_LIMIT: errors.OverLimit,
    gate.TOKEN_USED: errors.BadToken,
    gate.RATE_LIMITED: errors.TooFast,
    gate.NOT_WARMED: errors.NotWarmed,
}
MAX_BODY = 4096


def _refuse(error: type[errors.ApplicationError] | type[errors.GateUnavailable]):
    exc = error()
    response = JsonResponse(error_body(exc.code, exc.message), status=exc.status)
    if exc.status == 429 or error is errors.NotWarmed:
        response["Retry-After"] = "1"
    elif exc.status == 503:
        response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER)
    return response


def _body(request) -> dict:
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:  # a number: config.edge
        return {}
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("application/json"):
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, RecursionError):
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


def _quantity(value) -> int | None:
    if value is None:
        return 1
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= 99 else None
    text = str(value)
    if text.isascii() and text.isdigit() and len(text) <= 2 and int(text) >= 1:
        return int(text)
    return None


@csrf_exempt
def reserve(request, event_id: int):
    """POST {"token": …, "quantity": 1} → 202 {"reservation_id"}, or a 60xxx refusal."""
    if request.method != "POST":
        response = JsonResponse(error_body(405, "Method not allowed."), status=405)
        response["Allow"] = "POST"
        return response
    data = _body(request)
    token = data.get("token")
    quantity = _quantity(data.get("quantity"))
    if not isinstance(token, str) or len(token) > 2048:
        _COUNT_BAD_TOKEN.inc()
        return _refuse(errors.BadToken)
    if quantity is None:
        return JsonResponse(
            error_body(400, "Invalid input.", {"quantity": ["1 to 99."]}), status=400
        )
    identity = token_read(token, event_id=event_id)
    if identity is None:
        _COUNT_BAD_TOKEN.inc()
        return _refuse(errors.BadToken)
    user_id, token_id = identity
    request.log_user_id = user_id  # the access line's user (no session on this path)
    reservation_id, refusal = reserve_attempt(
        event_id=event_id,
        user_id=user_id,
        quantity=quantity,
        token_id=token_id,
        ip=client_ip(request),
    )
    if refusal is not None:
        return _refuse(refusal)
    return JsonResponse({"reservation_id": reservation_id}, status=202)


def reserve_attempt(
    *, event_id: int, user_id: int, quantity: int, token_id: str, ip: str
) -> tuple[str, type[errors.ApplicationError] | None]:
    """(reservation id, None) when admitted, else ("", the refusal). The pages call this
    too, with the session's user (their form is CSRF-protected; the id is single-use)."""
    reservation_id = f"{event_id}-{secrets.token_hex(10)}"
    try:
        answer = gate.reserve(
            event_id=event_id,
            user_id=user_id,
            quantity=quantity,
            reservation_id=reservation_id,
            token_id=token_id or reservation_id,
            ip=ip,
        )
    except REDIS_DOWN as exc:
        log_throttled(
            f"seckill-gate:{event_id}", logging.ERROR, "seckill %s: the gate is unreachable: %s",
            event_id, exc,
        )  # fmt: skip
        _COUNT_GATE_DOWN.inc()
        return "", errors.GateUnavailable
    _COUNT[answer.code].inc()
    if answer.code == gate.ADMITTED:
        return reservation_id, None
    if answer.warm_up:
        _warm_up(event_id)
    return "", _REFUSALS[answer.code]


def _warm_up(event_id: int) -> None:
    from seckill.tasks import event_warm_up_task

    try:
        event_warm_up_task.delay(event_id)
    except Exception:  # the broker is down: beat warms it within a minute anyway
        logger.exception("seckill %s: could not queue the warm-up", event_id)
