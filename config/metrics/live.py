"""Numbers read at scrape time rather than counted: Celery queue depth, the workers that
answer a ping, and the flash-sale consumer's lag. The scraping process asks Redis and the
database; a failed read is left out of that scrape (and logged), it never fails /metrics."""

from __future__ import annotations

import logging
import time

from kombu.exceptions import ChannelError
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

QUEUES = ("seckill", "payments", "default")


class LiveCollector:
    def collect(self):
        yield from self._queue_depth()
        yield from self._workers_alive()
        yield from self._seckill_lag()

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

    def _seckill_lag(self):
        from seckill.selectors import events_consuming

        lag = GaugeMetricFamily(
            "kuaimai_seckill_consumer_lag",
            "Flash-sale admissions not yet turned into orders (queued or being processed).",
        )
        age = GaugeMetricFamily(
            "kuaimai_seckill_consumer_lag_seconds",
            "Age of the oldest flash-sale admission not yet turned into an order.",
        )
        try:
            from seckill import gate

            waiting, oldest_ms = 0, None
            for event_id in events_consuming():
                count, first_ms = gate.stream_waiting(event_id)
                waiting += count
                if first_ms is not None and (oldest_ms is None or first_ms < oldest_ms):
                    oldest_ms = first_ms
        except Exception as exc:  # Redis or the database down: left out of this scrape
            logger.warning("metrics: reading the flash-sale lag failed: %s", exc)
            return
        lag.add_metric([], waiting)
        age.add_metric([], 0 if oldest_ms is None else max(0.0, time.time() - oldest_ms / 1000))
        yield lag
        yield age
