"""The flash-sale token: a JWT (simplejwt's signing key and algorithm) for one shopper and
one event, valid for SECKILL_TOKEN_SECONDS and used once (the gate keeps its id).

It is what the reserve endpoint reads identity from: the claims, no database."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token


class SeckillToken(Token):
    token_type = "seckill"  # noqa: S105 - a claim value, not a secret
    lifetime = timedelta(seconds=60)

    def __init__(self, token=None, verify=True):
        self.lifetime = timedelta(seconds=settings.SECKILL_TOKEN_SECONDS)
        super().__init__(token, verify=verify)


def token_issue(*, user_id: int, event_id: int) -> tuple[str, int]:
    """A fresh token and its lifetime in seconds."""
    token = SeckillToken()
    token[api_settings.USER_ID_CLAIM] = user_id
    token["event"] = event_id
    return str(token), settings.SECKILL_TOKEN_SECONDS


def token_read(raw: str, *, event_id: int) -> tuple[int, str] | None:
    """(user id, token id) of a valid token for this event, else None."""
    try:
        token = SeckillToken(raw)
    except TokenError:
        return None
    try:
        if int(token["event"]) != event_id:
            return None
        return int(token[api_settings.USER_ID_CLAIM]), str(token[api_settings.JTI_CLAIM])
    except (KeyError, TypeError, ValueError):
        return None
