"""DRF throttles backed by the Redis sliding-window limiter (atomic, shared by all workers)."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from config.net import client_ip
from config.ratelimit import rate_limit_hit


class RedisSlidingWindowThrottle(SimpleRateThrottle):
    """A SimpleRateThrottle whose history lives in one Lua call instead of the cache."""

    def get_rate(self):
        # Read at call time (DRF copies the rates into a class attribute at import).
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        result = rate_limit_hit(
            key=self.key, limit=self.num_requests, window_seconds=self.duration, use="api_throttle"
        )
        self._wait = result.retry_after_seconds
        return result.allowed

    def wait(self):
        return getattr(self, "_wait", None)

    def get_ident(self, request):
        return client_ip(request)


class AnonThrottle(RedisSlidingWindowThrottle):
    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return f"throttle:anon:{self.get_ident(request)}"


class UserThrottle(RedisSlidingWindowThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return f"throttle:user:{request.user.pk}"


class ScopedIpThrottle(RedisSlidingWindowThrottle):
    """Per-IP limit for one view; the view sets ``throttle_scope``."""

    def __init__(self):
        # The scope comes from the view, so the rate is resolved in allow_request.
        pass

    def allow_request(self, request, view):
        self.scope = getattr(view, "throttle_scope", None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return f"throttle:{self.scope}:{self.get_ident(request)}"
