"""gunicorn's settings file (``gunicorn -c python:config.gunicorn``): what the command line
cannot say. Flags on the command line (bind, workers, timeout) still apply.

No access log here: the shop writes its own access line (config.access: route, status,
duration, user, request id). gunicorn's own lines (boot, worker exits) are written in the
shop's format, JSON in production (LOG_FORMAT, config/logs.py)."""

import os

from config.logs import logging_config

_debug = os.environ.get("DEBUG", "false").strip().lower() in ("1", "true", "yes", "on")
_format = os.environ.get("LOG_FORMAT") or ("console" if _debug else "json")

# gunicorn merges this over its defaults (whose root logger names a "console" handler too).
logconfig_dict = logging_config(
    _format,
    "INFO",
    {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        # With a logging config gunicorn writes access lines whatever the flags say; the
        # shop's own line (config.access) replaces them.
        "gunicorn.access": {"level": "WARNING", "handlers": ["console"], "propagate": False},
    },
)


def child_exit(server, worker):
    """A web worker ended: its live gauges leave /metrics (multiprocess mode)."""
    from config.metrics.hooks import mark_process_dead

    mark_process_dead(worker.pid)
