"""OpenTelemetry traces: Django requests, psycopg queries, Redis commands and Celery tasks.

Only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (every process of the shop calls
``tracing_setup`` from config.apps): spans go over OTLP/HTTP to that collector, in batches.
Without it nothing is instrumented and nothing exported, so no request pays for tracing.
The SDK reads the other standard variables itself (``OTEL_SERVICE_NAME``,
``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER``, ``OTEL_EXPORTER_OTLP_HEADERS`` …).

Celery's instrumentation puts the trace context in each task's headers when it is queued and
takes it out when a worker runs it, so a checkout and the notification task it queued are one
trace. The flash-sale reserve path (config/hotpath.py) runs its own short middleware stack
without the tracing middleware: its one Redis call would cost less than its span.
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger(__name__)
_instrumentors: list = []


def tracing_setup(*, exporter=None) -> bool:
    """Instrument this process; True if it did. ``exporter`` (tests: the SDK's in-memory
    exporter) is used as given, spans exported as they end; else OTLP when configured."""
    if _instrumentors:
        return True
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    )
    if exporter is None and not endpoint:
        return False

    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", "kuaimai")})
    provider = TracerProvider(resource=resource)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        from opentelemetry import trace

        trace.set_tracer_provider(provider)  # for any code that asks for the global one
    for instrumentor in (
        DjangoInstrumentor(),
        PsycopgInstrumentor(),
        RedisInstrumentor(),
        CeleryInstrumentor(),
    ):
        # Health probes every few seconds would drown the traces that matter.
        options = {"excluded_urls": "healthz,readyz,metrics"}
        kwargs = options if isinstance(instrumentor, DjangoInstrumentor) else {}
        instrumentor.instrument(tracer_provider=provider, **kwargs)
        _instrumentors.append(instrumentor)
    _instrumentors.append(provider)
    if exporter is None:
        logger.info("tracing: spans go to %s", endpoint)
    return True


def tracing_teardown() -> None:
    """Undo ``tracing_setup`` (tests): the instruments come off, the provider flushes."""
    while _instrumentors:
        item = _instrumentors.pop()
        if hasattr(item, "uninstrument"):
            item.uninstrument()
        else:
            item.shutdown()
