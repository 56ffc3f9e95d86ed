"""An in-process stand-in for Celery beat, for embedded mode only.

Embedded mode has no broker, so no beat and no worker: without this, nothing would close an
unpaid order on time. A daemon thread runs every entry of ``CELERY_BEAT_SCHEDULE`` (the same
tasks beat runs in full mode) inline at its interval. Celery's own beat needs a broker to
send to, and django-celery-beat a database scheduler; neither runs tasks in-process, hence
these few lines.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

logger = logging.getLogger(__name__)

_started = threading.Lock()
_scheduler: EmbeddedScheduler | None = None


def _interval(schedule) -> float | None:
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    if isinstance(schedule, int | float):
        return float(schedule)
    run_every = getattr(schedule, "run_every", None)  # celery.schedules.schedule
    return run_every.total_seconds() if isinstance(run_every, timedelta) else None


class EmbeddedScheduler(threading.Thread):
    """Runs periodic tasks by name at fixed intervals; each run is logged, never fatal."""

    def __init__(self, schedule: dict, *, first_delay: float = 2.0, tick: float = 1.0):
        super().__init__(name="embedded-scheduler", daemon=True)
        self.tick = tick
        self.stopped = threading.Event()
        now = time.monotonic()
        self.entries = {}
        for name, entry in schedule.items():
            interval = _interval(entry["schedule"])
            if interval is None:
                logger.warning("embedded scheduler: %s has no fixed interval; skipped", name)
                continue
            self.entries[name] = {
                "task": entry["task"],
                "every": interval,
                "due": now + first_delay,
            }

    def run_pending(self, now: float | None = None) -> list[str]:
        """Run every entry that is due; return the names of those that ran."""
        from celery import current_app

        now = time.monotonic() if now is None else now
        ran = []
        for name, entry in self.entries.items():
            if entry["due"] > now:
                continue
            entry["due"] = now + entry["every"]
            try:
                current_app.tasks[entry["task"]].apply(throw=True)
            except Exception:  # one failing job must not stop the others or the thread
                logger.exception("embedded scheduler: %s failed", name)
            ran.append(name)
        return ran

    def run(self):
        from celery import current_app

        current_app.loader.import_default_modules()  # the apps' tasks.py (autodiscovery)
        logger.info("embedded scheduler running %s", ", ".join(sorted(self.entries)))
        from django.db import close_old_connections

        while not self.stopped.wait(self.tick):
            close_old_connections()  # this thread's, like a request's, between runs
            self.run_pending()

    def stop(self):
        self.stopped.set()


def start_embedded_scheduler() -> EmbeddedScheduler | None:
    """Start the scheduler once per process, in embedded mode only (full mode has beat)."""
    global _scheduler
    from django.conf import settings

    if not settings.EMBEDDED_REDIS:
        return None
    with _started:
        if _scheduler is None:
            _scheduler = EmbeddedScheduler(settings.CELERY_BEAT_SCHEDULE)
            _scheduler.start()
    return _scheduler
