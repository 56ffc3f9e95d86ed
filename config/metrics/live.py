"""Numbers read at scrape time rather than counted: Celery queue depth and the workers that
answer a ping, plus what apps register (the flash-sale consumer's lag, from ``seckill``).
The scraping process asks the broker, Redis and the database; a failed read is left out of
that scrape (and logged), it never fails /metrics.

``config`` imports no app's internals: an app hands its collector to ``register`` in its
``AppConfig.ready``."""

from __future__ import annotations

import logging

from kombu.exceptions import ChannelError
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

QUEUES = ("seckill", "payments", "default")

_registered: list = []


def register(collector) -> None:
    """Add an app's collector (an object with ``collect()`` yielding metric families) to
    every scrape; a collector that raises is left out of that scrape, logged."""
    if collector not in _registered:
        _registered.append(collector)


class _Guarded:
    def __init__(self, collector):
        self.collector = collector

    def collect(self):
        try:
            families = list(self.collector.collect())
        except Exception as exc:  # Redis or the database down: left out of this scrape
            logger.warning("metrics: %s failed: %s", type(self.collector).__name__, exc)
            return []
        return families


def registered() -> list:
    return [_Guarded(collector) for collector in _registered]


class LiveCollector:
    def collect(self):
        yield from self._queue_depth()
        yield from self._workers_alive()

    def _workers_alive(self):
        from django.conf import settings

        if settings.CELERY_TASK_ALWAYS_EAGER:
            return
        from config.celery import app

        family = GaugeMetricFamily(
            "kuaimai_celery_workers_alive",
            "Celery workers that answered a ping during this scrape.",
        )
        try:
            replies = app.control.ping(timeout=settings.METRICS_WORKER_PING_TIMEOUT) or []
        except Exception as exc:  # broker down: no worker can be reached, which is the answer
            logger.warning("metrics: pinging the workers failed: %s", exc)
            replies = []
        family.add_metric([], len(replies))
        yield family

    def _queue_depth(self):
        from django.conf import settings

        if settings.CELERY_TASK_ALWAYS_EAGER:  # embedded mode: tasks run inline, no queue
            return
        from config.celery import app

        family = GaugeMetricFamily(
            "kuaimai_celery_queue_depth", "Tasks waiting in each Celery queue.", labels=["queue"]
        )
        try:
            with app.connection_for_read() as conn:
                channel = conn.default_channel
                for name in QUEUES:
                    # kombu's Redis transport adds up the queue's priority lists.
                    try:
                        depth = channel.queue_declare(queue=name, passive=True).message_count
                    except ChannelError:  # never declared: no worker or task has used it yet
                        depth = 0
                    family.add_metric([name], depth)
        except Exception as exc:  # broker down: this scrape shows no depth; the alert on
            logger.warning("metrics: reading the queue depth failed: %s", exc)  # workers fires
            return
        yield family
