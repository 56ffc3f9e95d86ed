"""Atomic sliding-window rate limiter on Redis (one Lua call per check).

Used for login lockout and API throttling, and ready for the seckill hot path: it runs no SQL
and one round trip to Redis.

While Redis is down the limiter fails open: the request goes through, counted in
``kuaimai_degraded_total{use}`` and logged once a minute (config.outage). A shop that locked
every shopper out because its limiter's store blinked would be worse than one that let a
few more attempts through for that minute; the record of hits resumes when Redis returns.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from pathlib import Path

from config.outage import REDIS_DOWN, degraded
from config.redis import LuaScript

_script = LuaScript((Path(__file__).parent / "lua" / "sliding_window.lua").read_text())


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    hits: int
    retry_after_ms: int

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil(self.retry_after_ms / 1000)) if not self.allowed else 0


def _key(name: str) -> str:
    return f"rl:{name}"


OPEN = RateLimitResult(True, 0, 0)


def rate_limit_hit(
    *, key: str, limit: int, window_seconds: float, use: str = "ratelimit"
) -> RateLimitResult:
    """Record one hit if the window has room; report whether it was allowed (allowed, and
    nothing recorded, while Redis is down: ``use`` names the limiter in the metric)."""
    try:
        allowed, hits, retry = _script(
            keys=[_key(key)],
            args=[limit, int(window_seconds * 1000), 1, secrets.token_hex(8)],
        )
    except REDIS_DOWN as exc:
        degraded(use, exc)
        return OPEN
    return RateLimitResult(bool(allowed), int(hits), int(retry))


def rate_limit_peek(
    *, key: str, limit: int, window_seconds: float, use: str = "ratelimit"
) -> RateLimitResult:
    """Report whether the window is full, without recording a hit (open while Redis is
    down)."""
    try:
        allowed, hits, retry = _script(
            keys=[_key(key)], args=[limit, int(window_seconds * 1000), 0, ""]
        )
    except REDIS_DOWN as exc:
        degraded(use, exc)
        return OPEN
    return RateLimitResult(bool(allowed), int(hits), int(retry))


def rate_limit_reset(*, key: str, use: str = "ratelimit") -> None:
    """Forget every hit recorded under the key (skipped while Redis is down)."""
    from config.redis import get_redis

    try:
        get_redis().delete(_key(key))
    except REDIS_DOWN as exc:
        degraded(use, exc)
