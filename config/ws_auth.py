"""Websocket auth: a Django session cookie (browsers) or a JWT access token (mini-programs).

The token may come as ``Authorization: Bearer <token>`` or ``?token=<token>`` (browsers and
wx.connectSocket cannot always set headers). A bad or missing token leaves the scope's user
anonymous; consumers decide whether that is allowed.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser


@database_sync_to_async
def _user_for_token(raw: str):
    from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken

    from accounts.authentication import JWTAuthentication

    auth = JWTAuthentication()
    try:
        return auth.get_user(auth.get_validated_token(raw))
    except (InvalidToken, AuthenticationFailed):
        return None


def _token_from_scope(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            parts = value.decode("latin-1").split()
            if len(parts) == 2 and parts[0].lower() == "bearer":
                return parts[1]
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    tokens = query.get("token")
    return tokens[0] if tokens else None


class JWTAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if user is None or not user.is_authenticated:
            raw = _token_from_scope(scope)
            if raw:
                scope = dict(scope, user=await _user_for_token(raw) or AnonymousUser())
        return await super().__call__(scope, receive, send)


def SessionOrJWTAuthMiddlewareStack(inner):  # noqa: N802 - named like channels' stacks
    return AuthMiddlewareStack(JWTAuthMiddleware(inner))
