"""Versioned cache for catalog reads.

Every catalog write bumps one version number after commit; every cached list or detail key
carries the version, so a change to a product, SKU, image, brand or category shows on the
next request and stale entries simply expire.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils.translation import get_language

from config.oncommit import after_commit

VERSION_KEY = "catalog:version"


def catalog_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return int(version)


def catalog_bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 2, timeout=None)


def catalog_changed() -> None:
    """Invalidate catalog caches once the current transaction commits."""
    after_commit(catalog_bump)


def catalog_key(name: str, params: dict) -> str:
    """The key of (name, params) at the current catalog version in the active language
    (names and descriptions are translated, so each language has its own entries)."""
    digest = hashlib.sha1(  # noqa: S324 - a cache key, not a security boundary
        json.dumps(params, sort_keys=True, default=str).encode()
    ).hexdigest()
    return f"catalog:{catalog_version()}:{get_language() or '-'}:{name}:{digest}"


def catalog_cached(name: str, params: dict, timeout: int, build: Callable[[], Any]) -> Any:
    """Return the cached value for (name, params) at the current version, building it once."""
    key = catalog_key(name, params)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value
