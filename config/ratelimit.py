"""Atomic sliding-window rate limiter on Redis (one Lua call per check).

Used for login lockout and API throttling, and ready for the seckill hot path: it runs no SQL
and one round trip to Redis.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from pathlib import Path

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


def rate_limit_hit(*, key: str, limit: int, window_seconds: float) -> RateLimitResult:
    """Record one hit if the window has room; report whether it was allowed."""
    allowed, hits, retry = _script(
        keys=[_key(key)],
        args=[limit, int(window_seconds * 1000), 1, secrets.token_hex(8)],
    )
    return RateLimitResult(bool(allowed), int(hits), int(retry))


def rate_limit_peek(*, key: str, limit: int, window_seconds: float) -> RateLimitResult:
    """Report whether the window is full, without recording a hit."""
    allowed, hits, retry = _script(
        keys=[_key(key)], args=[limit, int(window_seconds * 1000), 0, ""]
    )
    return RateLimitResult(bool(allowed), int(hits), int(retry))


def rate_limit_reset(*, key: str) -> None:
    """Forget every hit recorded under the key."""
    from config.redis import get_redis

    get_redis().delete(_key(key))
