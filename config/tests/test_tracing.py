"""Traces: a checkout is one trace, from the web request through its SQL and Redis calls to
the notification task a real Celery worker runs (the trace context rides in the task's
headers); without an OTLP endpoint nothing is instrumented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from catalog.tests.factories import make_product
from config.tracing import tracing_setup, tracing_teardown
from orders.models import Order
from orders.tests.conftest import fill_cart

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def spans(settings):
    exporter = InMemorySpanExporter()
    from django.db import connections

    assert tracing_setup(exporter=exporter)
    connections.close_all()  # new connections are the instrumented ones
    yield exporter
    tracing_teardown()
    connections.close_all()


def _wait_for(predicate, seconds=15.0):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_checkout_is_one_trace_from_the_request_to_the_notification_task(
    spans, real_worker, buyer
):
    from django.test import Client

    client = Client()  # made after instrumenting: its handler loads the tracing middleware
    client.force_login(buyer)
    fill_cart(buyer, (make_product(name="Lamp").skus.get(), 1))
    html = client.get(reverse("orders:checkout")).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    spans.clear()
    form = {"token": token, "expected_total": "100.00", "address": buyer.address.pk}
    assert client.post(reverse("orders:checkout"), form).status_code == 302
    order = Order.objects.get(user=buyer)

    def notified():
        return any(
            s.name == "run/orders.tasks.order_notify_task" for s in spans.get_finished_spans()
        )

    assert _wait_for(notified), [s.name for s in spans.get_finished_spans()]
    finished = spans.get_finished_spans()
    [request] = [s for s in finished if s.kind == SpanKind.SERVER]
    assert request.name == "POST checkout/"
    assert request.attributes["http.route"] == "checkout/"
    assert request.parent is None  # the trace starts at the request
    trace = [s for s in finished if s.context.trace_id == request.context.trace_id]
    [task] = [s for s in trace if s.name == "run/orders.tasks.order_notify_task"]
    [queued] = [s for s in trace if s.name == "apply_async/orders.tasks.order_notify_task"]
    assert queued.kind == SpanKind.PRODUCER and task.kind == SpanKind.CONSUMER
    assert queued.parent.span_id == request.context.span_id
    assert task.parent.span_id == queued.context.span_id  # from the task's headers
    sql = [s for s in trace if s.attributes.get("db.system") == "postgresql"]
    assert any(s.parent.span_id == request.context.span_id for s in sql)
    # The task's own queries (it reads the order to write the message) are in it too.
    assert any(s.parent.span_id == task.context.span_id for s in sql)
    assert any(s.attributes.get("db.system") == "redis" for s in trace)
    assert order.order_no  # the order the trace made


def test_without_an_endpoint_nothing_is_instrumented():
    probe = (
        "import django; django.setup()\n"
        "from config.tracing import _instrumentors\n"
        "from django.conf import settings\n"
        "print(len(_instrumentors), any('opentelemetry' in m for m in settings.MIDDLEWARE))\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("OTEL_")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=BASE_DIR, capture_output=True, check=True
    )
    assert out.stdout.decode().split() == ["0", "False"]
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:1"  # nothing listens: never sent
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=BASE_DIR, capture_output=True, check=True
    )
    assert out.stdout.decode().split() == ["5", "True"]
