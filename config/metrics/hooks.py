"""Where the metrics are counted without each view or task doing it (HTTP: config.access):
a database execute wrapper for queries, Celery's task signals, a Redis client that counts its
failures."""

from __future__ import annotations

import time

import redis
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


class CountingRedis(redis.Redis):
    """redis.Redis that counts its failed commands (the app-state client)."""

    metrics_client = "state"

    def execute_command(self, *args, **options):
        try:
            return super().execute_command(*args, **options)
        except redis.RedisError:
            REDIS_ERRORS.labels(self.metrics_client).inc()
            raise


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

        multiprocess.mark_process_dead(pid)
