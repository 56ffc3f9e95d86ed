import io
import logging

import pytest
from django.core.management import CommandError, call_command

from config.middleware import RequestIdLogFilter

# Readiness and worker health: make test runs these on RabbitMQ too.
pytestmark = pytest.mark.broker


@pytest.mark.django_db
def test_healthz_does_no_io(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_ok_when_database_and_redis_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "state": "ok", "broker": "ok"},
    }


@pytest.mark.django_db
def test_readyz_degraded_when_the_app_state_redis_is_unreachable(client, settings):
    settings.REDIS_STATE_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "ok", "state": "unavailable", "broker": "ok"},
    }


@pytest.mark.django_db
def test_readyz_degraded_when_the_broker_is_unreachable(client, settings, monkeypatch):
    from config.celery import app

    settings.REDIS_SOCKET_TIMEOUT = 0.5
    # Celery reads CELERY_BROKER_URL from the environment before its own setting.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_write_url", None)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "ok", "state": "ok", "broker": "unavailable"},
    }


@pytest.mark.django_db(transaction=True)
def test_worker_health_passes_while_a_worker_answers(real_worker):
    out = io.StringIO()
    call_command("worker_health", "--timeout", "3", stdout=out)
    assert out.getvalue().startswith("1 worker(s) answered: ")
    assert real_worker.hostname in out.getvalue()
    call_command("worker_health", "--worker", real_worker.hostname, stdout=io.StringIO())
    with pytest.raises(CommandError, match="no worker answered a ping within 1 s"):
        call_command("worker_health", "--timeout", "1", "--worker", "celery@elsewhere")


def test_worker_health_fails_when_no_worker_answers():
    with pytest.raises(CommandError, match="no worker answered a ping within 0.5 s"):
        call_command("worker_health", "--timeout", "0.5")


def test_worker_health_fails_when_the_broker_is_unreachable(monkeypatch):
    from config.celery import app

    # Celery reads CELERY_BROKER_URL from the environment before its own setting.

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)

    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_write_url", None)
    with pytest.raises(CommandError, match="the broker is unreachable"):
        call_command("worker_health", "--timeout", "0.5")


def test_request_id_is_echoed_or_generated(client):
    given = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123.def")
    assert given["X-Request-ID"] == "abc-123.def"
    made = client.get("/healthz")
    assert len(made["X-Request-ID"]) == 32
    # A header that could forge log lines is replaced, not echoed.
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="bad\nid value")
    assert forged["X-Request-ID"] != "bad\nid value"
    assert len(forged["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_log_lines_carry_the_request_id(client, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    client.get("/api/v1/me", HTTP_X_REQUEST_ID="trace-42")
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records
    log_filter = RequestIdLogFilter()
    for record in records:
        log_filter.filter(record)
    assert records[-1].request_id == "trace-42"
