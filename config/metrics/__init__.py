"""The shop's Prometheus metrics: what each one counts is in README.md § Operations.

Multiprocess: with ``PROMETHEUS_MULTIPROC_DIR`` set (the full stack sets it for gunicorn,
Celery and the flash-sale consumer, one folder per host), every process writes its values to
files there and ``/metrics`` adds them up, so any web worker's answer counts all of them.
Without it (embedded mode, tests) the values live in the process and ``/metrics`` shows its.

Labels take values from short fixed lists only (``bounded``): never a user id, an order
number or a raw path, which would make a new series per shopper.
"""

from __future__ import annotations

import os

from prometheus_client import Counter, Histogram, disable_created_metrics

from config.oncommit import after_commit

# The *_created series double every scrape for a number nobody here reads.
disable_created_metrics()


def process_identifier(pid: int | None = None) -> str:
    """This process's name in the metrics folder: host and PID. Containers number their
    processes from 1, so with a folder shared by several (compose) the PID alone would make
    two processes write one file and lose counts. No "_": the client splits file names on it."""
    import socket

    host = socket.gethostname().replace("_", "-") or "host"
    return f"{host}-{os.getpid() if pid is None else pid}"


if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    from prometheus_client import values

    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    # Before any metric is made: each one's file is named by host and PID.
    values.ValueClass = values.MultiProcessValue(process_identifier)

# --- HTTP, database, Redis ---------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "kuaimai_http_requests_total",
    "HTTP requests answered, by route name, method and status.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "kuaimai_http_request_duration_seconds",
    "Time to answer an HTTP request, by route name and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DB_QUERIES = Counter(
    "kuaimai_db_queries_total",
    "SQL statements sent to the database, by kind (select, insert, update, delete, other).",
    ["kind"],
)
DB_ERRORS = Counter("kuaimai_db_errors_total", "SQL statements that raised an error.")
REDIS_ERRORS = Counter(
    "kuaimai_redis_errors_total",
    "Redis commands that failed, by client (cache, state) and kind (connection, timeout, "
    "reply); ordinary replies such as BUSYGROUP, NOGROUP and NOSCRIPT are not failures.",
    ["client", "kind"],
)
DEGRADED = Counter(
    "kuaimai_degraded_total",
    "Times a part of the shop went on without Redis (the cache read PostgreSQL, a limiter "
    "let a request through, the cart badge was left out), by use.",
    ["use"],
)

# --- Celery ------------------------------------------------------------------------------

TASKS_STARTED = Counter("kuaimai_celery_tasks_started_total", "Tasks started.", ["task"])
TASKS_SUCCEEDED = Counter("kuaimai_celery_tasks_succeeded_total", "Tasks succeeded.", ["task"])
TASKS_FAILED = Counter("kuaimai_celery_tasks_failed_total", "Tasks failed.", ["task"])
TASKS_RETRIED = Counter("kuaimai_celery_tasks_retried_total", "Task retries queued.", ["task"])
TASK_DURATION = Histogram(
    "kuaimai_celery_task_duration_seconds",
    "Task runtime, by task name.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)

# --- Business ----------------------------------------------------------------------------

ORDERS = Counter(
    "kuaimai_orders_total",
    "Orders by event (created, paid, cancelled, timed_out) and source (cart, seckill).",
    ["event", "source"],
)
PAYMENTS = Counter(
    "kuaimai_payments_total",
    "Payment attempts by provider and outcome (started, succeeded, failed, closed).",
    ["provider", "outcome"],
)
REFUNDS = Counter(
    "kuaimai_refunds_total",
    "Refunds by provider and outcome (requested, succeeded, failed).",
    ["provider", "outcome"],
)
NOTIFICATIONS_REJECTED = Counter(
    "kuaimai_payment_notifications_rejected_total",
    "Gateway notifications refused, by provider and reason.",
    ["provider", "reason"],
)
NOTIFICATIONS_REFUSED_UNSTORED = Counter(
    "kuaimai_payment_notifications_refused_unstored_total",
    "Refused notifications not stored: their address was over PAYMENTS_REFUSED_PER_MINUTE.",
    ["provider"],
)
SECKILL_RESERVATIONS = Counter(
    "kuaimai_seckill_reservations_total",
    "Flash-sale reserve attempts by outcome: admitted, or the reason it was refused.",
    ["outcome"],
)
STOCK_ALERTS = Counter("kuaimai_stock_alerts_total", "SKUs that fell to their low-stock threshold.")
LOGIN_FAILURES = Counter(
    "kuaimai_login_failures_total",
    "Failed logins by reason (credentials, disabled).",
    ["reason"],
)
LOGIN_LOCKOUTS = Counter(
    "kuaimai_login_lockouts_total",
    "Login attempts refused by a lockout, by what was locked (account, ip).",
    ["scope"],
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PROVIDERS = frozenset({"wechatpay", "alipay", "sandbox"})


def bounded(value: str, allowed: frozenset[str] | set[str], other: str = "other") -> str:
    """``value`` if it is one of ``allowed``, else ``other``: a label never grows a series
    for what a client sent."""
    return value if value in allowed else other


def method_label(method: str) -> str:
    return bounded(method, _METHODS)


def provider_label(provider: str) -> str:
    return bounded(provider, PROVIDERS)


def order_source(source: str) -> str:
    """An order's source as a label: a flash-sale order, or one from a cart (web or API)."""
    return "seckill" if source == "seckill" else "cart"


def count_order(event: str, source: str) -> None:
    """Count an order event once its transaction commits (a rolled-back one never was)."""
    child = ORDERS.labels(event=event, source=order_source(source))
    after_commit(child.inc)


def count_after_commit(counter, **labels) -> None:
    child = counter.labels(**labels) if labels else counter
    after_commit(child.inc)
