"""Where the metrics are counted without each view or task doing it (HTTP: config.access):
a database execute wrapper for queries, Celery's task signals, a Redis client that counts its
failures."""

from __future__ import annotations

import time

import redis
import redis.cluster
from django.db.backends.signals import connection_created

from config.metrics import (
    DB_ERRORS,
    DB_QUERIES,
    REDIS_ERRORS,
    TASK_DURATION,
    TASKS_FAILED,
    TASKS_RETRIED,
    TASKS_STARTED,
    TASKS_SUCCEEDED,
)

# --- Database ----------------------------------------------------------------------------

_KINDS = {"select": "select", "insert": "insert", "update": "update", "delete": "delete"}


def _count_query(execute, sql, params, many, context):
    head = sql.lstrip()[:6].lower() if isinstance(sql, str) else ""
    DB_QUERIES.labels(_KINDS.get(head, "other")).inc()
    try:
        return execute(sql, params, many, context)
    except Exception:
        DB_ERRORS.inc()
        raise


def _on_connection(sender, connection, **kwargs):
    # connection_created fires on every (re)connect of the same wrapper: add it once.
    if _count_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count_query)


def install_db_counter() -> None:
    connection_created.connect(_on_connection, dispatch_uid="kuaimai-metrics-db")


# --- Redis -------------------------------------------------------------------------------

# Error replies that are ordinary answers, not failures: the group exists already, the
# stream has no group yet, the script is not cached yet (redis-py loads it and retries).
_ORDINARY_REPLIES = ("BUSYGROUP", "NOGROUP", "NOSCRIPT")

# redis-py has no circuit breaker, and pybreaker's would wrap every call in a second lock and
# state store; this is the dozen lines we need. After a server failed to answer, each process
# skips it for REDIS_BREAKER_SECONDS (its callers fail open or answer 503 at once) instead of
# spending a connect timeout on every command of every request.
_broken: dict[tuple, float] = {}


def _server(client) -> tuple:
    kwargs = client.connection_pool.connection_kwargs
    return (kwargs.get("host"), kwargs.get("port"), kwargs.get("path"))


class CountingRedis(redis.Redis):
    """redis.Redis that counts its real failures (the app-state client) and skips a server
    that just failed to answer for a moment."""

    metrics_client = "state"

    def execute_command(self, *args, **options):
        from django.conf import settings

        from config.outage import REDIS_DOWN

        server = _server(self)
        failed_at = _broken.get(server)
        if failed_at is not None:
            if time.monotonic() - failed_at < settings.REDIS_BREAKER_SECONDS:
                raise redis.ConnectionError(f"{server[0]}:{server[1]} failed a moment ago")
            _broken.pop(server, None)
        try:
            return _counted(super().execute_command, self.metrics_client, args, options)
        except REDIS_DOWN:
            _broken[server] = time.monotonic()
            raise


def _counted(execute, client: str, args, options):
    """Run one command, counting a real failure by client and kind (an ordinary error reply
    such as BUSYGROUP is an answer, not a failure)."""
    from config.outage import REDIS_DOWN

    try:
        return execute(*args, **options)
    except REDIS_DOWN as exc:
        kind = "timeout" if isinstance(exc, redis.TimeoutError) else "connection"
        REDIS_ERRORS.labels(client, kind).inc()
        raise
    except redis.ResponseError as exc:
        if not str(exc).startswith(_ORDINARY_REPLIES):
            REDIS_ERRORS.labels(client, "reply").inc()
        raise


class CountingRedisCluster(redis.cluster.RedisCluster):
    """The app-state client on a Redis Cluster, counting its real failures the same way
    (the cluster client retries MOVED and ASK itself; those are not failures)."""

    metrics_client = "state"

    def execute_command(self, *args, **options):
        return _counted(super().execute_command, self.metrics_client, args, options)


class CountingCacheRedis(CountingRedis):
    """The same, for django-redis (the cache): its REDIS_CLIENT_CLASS."""

    metrics_client = "cache"


# --- Celery ------------------------------------------------------------------------------

_started: dict[str, float] = {}


def install_celery_signals() -> None:
    from celery import signals

    @signals.task_prerun.connect(weak=False)
    def _prerun(task_id=None, task=None, **kwargs):
        TASKS_STARTED.labels(task.name).inc()
        _started[task_id] = time.perf_counter()

    @signals.task_postrun.connect(weak=False)
    def _postrun(task_id=None, task=None, **kwargs):
        began = _started.pop(task_id, None)
        if began is not None:
            TASK_DURATION.labels(task.name).observe(time.perf_counter() - began)

    @signals.task_success.connect(weak=False)
    def _success(sender=None, **kwargs):
        TASKS_SUCCEEDED.labels(sender.name).inc()

    @signals.task_failure.connect(weak=False)
    def _failure(sender=None, **kwargs):
        TASKS_FAILED.labels(sender.name).inc()

    @signals.task_retry.connect(weak=False)
    def _retry(sender=None, **kwargs):
        TASKS_RETRIED.labels(sender.name).inc()

    @signals.worker_process_shutdown.connect(weak=False)
    def _process_gone(pid=None, **kwargs):
        mark_process_dead(pid)


def mark_process_dead(pid) -> None:
    """A finished process's live gauges go (multiprocess mode); its counters stay counted."""
    import os

    if pid and os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        from config.metrics import process_identifier

        multiprocess.mark_process_dead(process_identifier(pid))
