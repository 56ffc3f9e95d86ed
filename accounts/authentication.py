"""JWT authentication with a deny-list of revoked access tokens.

Access tokens are short-lived (JWT_ACCESS_MINUTES, 15 by default) and stateless, so a
logout could not stop the one the client holds until it expired. Logging out now puts its
``jti`` in Redis until the token's own expiry; every authenticated API request checks it
(one Redis GET). A password change needs no entry: tokens carry a hash of the password
(simplejwt's ``CHECK_REVOKE_TOKEN``), so every token issued before it fails at once.

While Redis is down the deny-list fails open (counted and logged as ``jwt_denylist``): a
token signed out in the last JWT_ACCESS_MINUTES still works for that outage, rather than
every mini-program request failing with it. Refresh tokens are revoked in PostgreSQL
(simplejwt's blacklist), so a signed-out client cannot get a new access token either way.
"""

from __future__ import annotations

import time

from rest_framework_simplejwt.authentication import JWTAuthentication as BaseJWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import AccessToken

from config.outage import REDIS_DOWN, degraded
from config.redis import get_redis

USE = "jwt_denylist"


def _key(jti: str) -> str:
    return f"jwt:deny:{jti}"


def access_token_deny(*, raw: str) -> bool:
    """Deny an access token until it expires; False if it was not a valid access token."""
    try:
        token = AccessToken(raw)
    except TokenError:
        return False
    ttl = int(token["exp"] - time.time())
    if ttl > 0:
        try:
            get_redis().set(_key(token["jti"]), "1", ex=ttl)
        except REDIS_DOWN as exc:
            degraded(USE, exc)
    return True


def access_token_denied(token) -> bool:
    jti = token.get("jti")
    if not jti:
        return False
    try:
        return get_redis().exists(_key(jti)) == 1
    except REDIS_DOWN as exc:
        degraded(USE, exc)
        return False


class JWTAuthentication(BaseJWTAuthentication):
    def get_validated_token(self, raw_token):
        token = super().get_validated_token(raw_token)
        if access_token_denied(token):
            raise InvalidToken({"detail": "Token has been revoked.", "code": "token_revoked"})
        return token


def _register_schema_extension() -> None:
    """Document the deny-list authenticator as simplejwt's bearer scheme in OpenAPI."""
    from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme

    class DenyListJWTScheme(SimpleJWTScheme):
        target_class = "accounts.authentication.JWTAuthentication"


_register_schema_extension()
