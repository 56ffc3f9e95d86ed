"""``GET /metrics``: the Prometheus text format, for the scraper only.

Open to a client whose address (REMOTE_ADDR, never a forwarded header a client could write)
is in METRICS_ALLOWED_IPS, or that sends ``Authorization: Bearer <METRICS_TOKEN>``. Anyone
else gets the shop's 404, as if there were nothing here.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from functools import cache

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from config.metrics.live import LiveCollector, registered


@cache
def _networks(spec: tuple[str, ...]):
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return secrets.compare_digest(header[7:].encode(), token.encode())
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.METRICS_ALLOWED_IPS)))


def render() -> bytes:
    """Every process's numbers (multiprocess mode) or this one's, and the live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Default())
    registry.register(LiveCollector())
    for collector in registered():  # the apps' own (seckill's consumer lag)
        registry.register(collector)
    return generate_latest(registry)


class _Default:
    """The process's own registry, as one collector of the scrape's registry."""

    def collect(self):
        return REGISTRY.collect()


@never_cache
def metrics(request):
    if request.method not in ("GET", "HEAD") or not allowed(request):
        raise Http404
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
