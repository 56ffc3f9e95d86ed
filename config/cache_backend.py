"""The cache (django-redis) failing open: while Redis is down every read misses, so pages
are built from PostgreSQL, and every write is skipped.

django-redis' IGNORE_EXCEPTIONS does the failing open. What it lacks, added here:

- Each ignored failure is reported through ``config.outage.degraded`` (counted every time,
  logged once a minute) instead of a traceback per call.
- A write that failed leaves the value from before the outage in Redis, and it would come
  back with Redis: a session signed out during the outage would be signed in again, a
  product changed during it shown as it was. So this process remembers what it owes —
  deleting the keys it could not write, bumping the counters it could not bump — and pays
  it with its first cache call once Redis answers again, before anything is read.
"""

from __future__ import annotations

import logging
import sys
import threading

from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted

from config.outage import degraded

logger = logging.getLogger("kuaimai.outage")

# Past this many keys owed, the whole cache is cleared on recovery instead (it is a cache:
# the next requests rebuild it from PostgreSQL).
OWED_KEYS_MAX = 10_000

_owed_lock = threading.Lock()
_owed_deletes: set[str] = set()  # keys as given to the cache (before its prefix)
_owed_incrs: list[tuple[str, int]] = []
_owed_clear = False


class _Reporter:
    """Stands in for django-redis' logger of ignored exceptions."""

    def exception(self, *args, **kwargs):
        degraded("cache", sys.exc_info()[1])


def _owe_delete(keys) -> None:
    global _owed_clear
    with _owed_lock:
        _owed_deletes.update(keys)
        if len(_owed_deletes) > OWED_KEYS_MAX:
            _owed_deletes.clear()
            _owed_clear = True


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._ignore_exceptions = True
        self._log_ignored_exceptions = True
        self.logger = _Reporter()

    # --- paying what is owed --------------------------------------------------------------

    def _settle(self) -> None:
        global _owed_clear
        if not (_owed_deletes or _owed_incrs or _owed_clear):
            return
        with _owed_lock:
            deletes, incrs, clear = set(_owed_deletes), list(_owed_incrs), _owed_clear
        try:
            if clear:
                self.client.clear()
            elif deletes:
                self.client.delete_many(list(deletes))
            for key, delta in incrs:
                try:
                    self.client.incr(key, delta)
                except ValueError:  # gone meanwhile: nothing cached under it to outdate
                    pass
        except ConnectionInterrupted:  # still down: still owed
            return
        with _owed_lock:
            _owed_deletes.difference_update(deletes)
            del _owed_incrs[: len(incrs)]
            _owed_clear = _owed_clear and not clear
        logger.warning(
            "cache back: removed %d entries and bumped %d counters written during the outage",
            -1 if clear else len(deletes),
            len(incrs),
        )

    def get(self, key, default=None, version=None, client=None):
        self._settle()
        return super().get(key, default, version, client)

    def get_many(self, *args, **kwargs):
        self._settle()
        return super().get_many(*args, **kwargs) or {}

    # --- writes that may fail -----------------------------------------------------------

    def _write(self, write, keys, *args, **kwargs):
        """Run a write; when Redis did not take it (django-redis answers None), owe a delete
        of its keys."""
        self._settle()
        done = write(*args, **kwargs)
        if done is None:
            _owe_delete(keys)
        return done

    def set(self, key, *args, **kwargs):
        return self._write(super().set, [key], key, *args, **kwargs)

    def add(self, key, *args, **kwargs):
        return self._write(super().add, [key], key, *args, **kwargs)

    def set_many(self, data, *args, **kwargs):
        return self._write(super().set_many, list(data), data, *args, **kwargs) or []

    def delete(self, key, *args, **kwargs):
        return bool(self._write(super().delete, [key], key, *args, **kwargs))

    def delete_many(self, keys, *args, **kwargs):
        keys = list(keys)
        return self._write(super().delete_many, keys, keys, *args, **kwargs)

    def incr(self, key, delta=1, *args, **kwargs):
        self._settle()
        done = super().incr(key, delta, *args, **kwargs)
        if done is None:
            with _owed_lock:
                _owed_incrs.append((key, delta))
        return done

    def touch(self, key, *args, **kwargs):
        self._settle()
        return bool(super().touch(key, *args, **kwargs))


def forget_owed() -> None:
    """Drop what this process owes (a test's Redis is gone for good)."""
    global _owed_clear
    with _owed_lock:
        _owed_deletes.clear()
        _owed_incrs.clear()
        _owed_clear = False
