import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _boot(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_boot_refuses_missing_secret_key_when_debug_is_off():
    result = _boot({"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_boot_allows_missing_secret_key_in_debug():
    assert _boot({"DEBUG": "true"}).returncode == 0


def test_redis_uses_four_logical_databases_from_the_base_url():
    # REDIS_URL=redis://127.0.0.1:6379/10 in the test environment (2 on a second test worker).
    base = int(os.environ["REDIS_URL"].rsplit("/", 1)[1])
    assert settings.REDIS_CACHE_URL.endswith(f"/{base}")
    assert settings.REDIS_BROKER_URL.endswith(f"/{base + 1}")
    assert settings.REDIS_CHANNELS_URL.endswith(f"/{base + 2}")
    assert settings.REDIS_STATE_URL.endswith(f"/{base + 3}")


def test_celery_queues_routes_and_limits():
    assert {q.name for q in app.conf.task_queues} == {"seckill", "payments", "default"}
    assert app.conf.task_default_queue == "default"
    assert app.conf.task_routes["seckill.tasks.*"] == {"queue": "seckill"}
    assert app.conf.task_routes["payments.tasks.*"] == {"queue": "payments"}
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.broker_transport_options["visibility_timeout"] > settings.CELERY_MAX_COUNTDOWN
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    assert "accounts.tasks.flush_expired_tokens_task" in app.tasks
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks


def test_models_and_migrations_agree(db):
    from django.core.management import call_command

    # Exits non-zero (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_every_variable_the_settings_read_is_documented():
    """README's configuration tables and .env.example name every variable settings.py reads
    (and the two the metrics and tracing modules read from the environment)."""
    import re

    source = (ROOT / "config" / "settings.py").read_text()
    names = set(re.findall(r'env\.[a-z]+\(\s*"([A-Z][A-Z0-9_]+)"', source))
    names |= {"PROMETHEUS_MULTIPROC_DIR", "OTEL_EXPORTER_OTLP_ENDPOINT"}
    assert len(names) > 60
    for document in ("README.md", ".env.example"):
        text = (ROOT / document).read_text()
        assert {n for n in names if not re.search(rf"\b{n}\b", text)} == set(), document
