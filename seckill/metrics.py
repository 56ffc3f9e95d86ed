"""The flash-sale consumer's lag, read at scrape time (registered with config.metrics.live
by SeckillConfig.ready, so config never reaches into the gate)."""

from __future__ import annotations

import time

from prometheus_client.core import GaugeMetricFamily


class ConsumerLagCollector:
    def collect(self):
        from seckill import gate
        from seckill.selectors import events_consuming

        waiting, oldest_ms = 0, None
        for event_id in events_consuming():
            count, first_ms = gate.stream_waiting(event_id)
            waiting += count
            if first_ms is not None and (oldest_ms is None or first_ms < oldest_ms):
                oldest_ms = first_ms
        lag = GaugeMetricFamily(
            "kuaimai_seckill_consumer_lag",
            "Flash-sale admissions not yet turned into orders (queued or being processed).",
        )
        age = GaugeMetricFamily(
            "kuaimai_seckill_consumer_lag_seconds",
            "Age of the oldest flash-sale admission not yet turned into an order.",
        )
        lag.add_metric([], waiting)
        age.add_metric([], 0 if oldest_ms is None else max(0.0, time.time() - oldest_ms / 1000))
        yield lag
        yield age
