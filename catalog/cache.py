"""Versioned cache for catalog reads.

Every catalog write bumps one version number after commit; every cached list or detail key
carries the version, so a change to a product, SKU, image, brand or category shows on the
next request and stale entries simply expire.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.utils.translation import get_language

from config.oncommit import after_commit

VERSION_KEY = "catalog:version"
EPOCH_KEY = "catalog:epoch"  # the memo's, never stored


# One request's reads: the version is asked for once, and a cached value read twice (the
# category index by the filter and by the page) comes from Redis once. Set by
# CatalogRequestMemo for each request; outside requests (tasks, shell) every read goes out.
_memo: ContextVar[dict | None] = ContextVar("catalog_memo", default=None)


class CatalogRequestMemo:
    """Middleware: a fresh memo of catalog cache reads for each request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)


def catalog_epoch() -> str:
    """The offers' epoch (catalog.hooks): part of every key, so a promotion's start or end
    gives every cached card and page a new key at that second. Asked once per request."""
    from catalog.hooks import offers_epoch

    memo = _memo.get()
    if memo is not None and EPOCH_KEY in memo:
        return memo[EPOCH_KEY]
    epoch = offers_epoch()
    if memo is not None:
        memo[EPOCH_KEY] = epoch
    return epoch


def catalog_version() -> int:
    memo = _memo.get()
    if memo is not None and VERSION_KEY in memo:
        return memo[VERSION_KEY]
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    if memo is not None:
        memo[VERSION_KEY] = int(version)
    return int(version)


def catalog_bump() -> None:
    memo = _memo.get()
    if memo is not None:
        memo.clear()  # this request changed the catalog: it reads the new version
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 2, timeout=None)


def catalog_changed() -> None:
    """Invalidate catalog caches once the current transaction commits."""
    after_commit(catalog_bump)


def _digest(params: dict) -> str:
    return hashlib.sha1(  # noqa: S324 - a cache key, not a security boundary
        json.dumps(params, sort_keys=True, default=str).encode()
    ).hexdigest()


def catalog_key(name: str, params: dict) -> str:
    """The key of (name, params) at the current catalog version in the active language
    (names and descriptions are translated, so each language has its own entries)."""
    version, epoch, language = catalog_version(), catalog_epoch(), get_language() or "-"
    return f"catalog:{version}:{epoch}:{language}:{name}:{_digest(params)}"


def catalog_get_current(name: str, params: dict) -> tuple[str, tuple, Any]:
    """For the hottest reads: the version and an entry stored under a version-free key,
    fetched in one round trip. Returns (key, stamp, value); value is None unless it was
    stored at the current version and offers' epoch (by ``catalog_set_current``)."""
    key = f"catalog:current:{get_language() or '-'}:{name}:{_digest(params)}"
    found = cache.get_many([VERSION_KEY, key]) or {}  # {} while Redis is down
    if VERSION_KEY not in found:
        return key, (catalog_version(), catalog_epoch()), None
    memo = _memo.get()
    if memo is not None:
        memo[VERSION_KEY] = int(found[VERSION_KEY])
    stamp = (int(found[VERSION_KEY]), catalog_epoch())
    entry = found.get(key)
    return key, stamp, entry[1] if entry and entry[0] == stamp else None


def catalog_set_current(key: str, stamp: tuple, value: Any, timeout: int) -> None:
    cache.set(key, (stamp, value), timeout)


def catalog_cached(name: str, params: dict, timeout: int, build: Callable[[], Any]) -> Any:
    """Return the cached value for (name, params) at the current version, building it once."""
    key = catalog_key(name, params)
    memo = _memo.get()
    if memo is not None and key in memo:
        return memo[key]
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    if memo is not None:
        memo[key] = value
    return value
