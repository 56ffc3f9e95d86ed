"""Logs: one JSON object per line in production (``LOG_FORMAT=json``, the default when DEBUG
is off), readable lines in development (``console``). settings.LOGGING wires these in.

Every record gets the request id (config.middleware) and what the code bound to the current
request or task with ``log_bind``: the order or payment number, the task. The access line
(config.access) adds the route, status, duration and user. Secrets never reach the output:
every message, traceback and extra field goes through ``redact`` (a password, a token, a
key, a signature or a JWT shown as ``[redacted]``), and no code logs a notification's body.
"""

from __future__ import annotations

import contextvars
import logging
import re

from pythonjsonlogger.json import JsonFormatter

# Replaced, never mutated: a copy per bind, so a task or request cannot change another's.
_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("log_context", default=None)

# What may be bound: a short fixed list, so a caller cannot flood every line.
BINDABLE = frozenset({"order_no", "payment_no", "refund_no", "reservation_id", "task", "user_id"})


def log_bind(**fields) -> None:
    """Put ``fields`` on every later record of this request or task (unknown names ignored)."""
    current = _context.get() or {}
    added = {k: str(v)[:64] for k, v in fields.items() if k in BINDABLE and v not in (None, "")}
    if added:
        _context.set({**current, **added})


def log_context_reset() -> None:
    _context.set(None)


def log_context() -> dict:
    return dict(_context.get() or {})


def logging_config(log_format: str, level: str, loggers: dict) -> dict:
    """A dictConfig with one handler, "console" (standard error, the request id and the bound
    fields, ``log_format`` json or console), on the root logger and on ``loggers``."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "config.middleware.RequestIdLogFilter"},
            "context": {"()": "config.logs.ContextFilter"},
        },
        "formatters": {
            "json": {"()": "config.logs.JsonLogFormatter"},
            "console": {"()": "config.logs.ConsoleFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id", "context"],
                "formatter": log_format,
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": loggers,
    }


class ContextFilter(logging.Filter):
    """Copy the bound fields onto each record (a field the call passed itself wins)."""

    def filter(self, record):
        for key, value in (_context.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


# key=value, key: value and "key": "value" where the key names a secret.
# Names of secrets, not one.
_SECRET_KEYS = "|".join(  # noqa: S105
    (
        "password|passwd|pwd|secret|token|access|refresh|authorization|api_?key|apiv3_?key",
        "private_?key|signature|sign|ciphertext|associated_data|nonce|cookie|sessionid",
        "csrftoken|js_code",
    )
)
_SECRET_PAIR = re.compile(
    rf"""(?ix)
    (?P<key>["']?\b(?:[a-z_-]*[_-])?(?:{_SECRET_KEYS})["']?)   # the key, quoted or not
    (?P<sep>\s*[:=]\s*)
    (?P<value>"(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;&"'}}\]]+)     # its value, to a separator
    """
)
_SECRET_NAME = re.compile(rf"(?i)(?:[a-z_-]*[_-])?(?:{_SECRET_KEYS})")
_JWT = re.compile(r"\beyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]{6,}")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[\w.~+/=-]{8,}")
_PEM = re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", re.S)
REDACTED = "[redacted]"


def _pair(match: re.Match) -> str:
    value = match.group("value")
    quote = value[0] if value[:1] in "\"'" else ""
    return f"{match.group('key')}{match.group('sep')}{quote}{REDACTED}{quote}"


def redact(text: str) -> str:
    """``text`` with every secret-looking value replaced by [redacted]."""
    text = _PEM.sub(REDACTED, text)
    text = _JWT.sub(REDACTED, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _SECRET_PAIR.sub(_pair, text)


class JsonLogFormatter(JsonFormatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, request_id
    and whatever else the record carries (route, status, duration_ms, user_id, order_no…)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("json_ensure_ascii", False)  # Chinese stays readable
        super().__init__("%(levelname)s %(name)s %(message)s %(request_id)s", *args, **kwargs)

    def process_log_record(self, log_data):
        return {key: _redact_value(value) for key, value in log_data.items()}


def _redact_value(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {
            k: REDACTED if _SECRET_NAME.fullmatch(str(k)) else _redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    return value


class ConsoleFormatter(logging.Formatter):
    """Readable lines for development: time, level, [request id], logger: message."""

    def __init__(self, *args, **kwargs):
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")

    def format(self, record):
        line = super().format(record)
        bound = " ".join(
            f"{key}={getattr(record, key)}"
            for key in ("order_no", "payment_no")
            if getattr(record, key, None)
        )
        return redact(f"{line} ({bound})" if bound else line)
