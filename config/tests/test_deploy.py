"""The deployment files: the alert rules pass promtool (and its unit tests of them), the
dashboard and the alerts ask only for metrics the shop serves, and compose shares one metrics
folder among the processes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "config" / "deploy" / "prometheus"
GRAFANA = ROOT / "config" / "deploy" / "grafana"
promtool = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    promtool is None, reason="promtool absent (apt-get install prometheus; .ci/run does)"
)


def run_promtool(*args) -> str:
    result = subprocess.run(
        [promtool, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@needs_promtool
def test_the_alert_rules_are_valid():
    assert "SUCCESS: 6 rules found" in run_promtool("check", "rules", "alerts.yml")


@needs_promtool
def test_each_alert_fires_when_it_should_and_stays_quiet_when_healthy():
    assert "SUCCESS" in run_promtool("test", "rules", "alerts_test.yml")


@needs_promtool
def test_the_scrape_config_is_valid():
    run_promtool("check", "config", "--syntax-only", "prometheus.yml")


@needs_promtool
def test_every_dashboard_query_is_valid_promql(tmp_path):
    """Grafana is not here to load the dashboard; promtool parses each panel's query as the
    expression of a recording rule, which is the same PromQL parser Prometheus answers with."""
    dashboard = json.loads((GRAFANA / "dashboards" / "kuaimai.json").read_text())
    rules = [
        {"record": f"kuaimai:panel{panel['id']}_{target['refId'].lower()}", "expr": target["expr"]}
        for panel in dashboard["panels"]
        for target in panel["targets"]
    ]
    (tmp_path / "panels.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]})
    )
    result = subprocess.run(
        [promtool, "check", "rules", str(tmp_path / "panels.yml")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout
    uids = {p["datasource"]["uid"] for p in dashboard["panels"]}
    provisioned = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )["datasources"]
    assert uids == {source["uid"] for source in provisioned} == {"prometheus"}
    overlaps = [
        (a["id"], b["id"])
        for a in dashboard["panels"]
        for b in dashboard["panels"]
        if a["id"] < b["id"] and a["gridPos"]["y"] == b["gridPos"]["y"]
        and a["gridPos"]["x"] == b["gridPos"]["x"]
    ]  # fmt: skip
    assert not overlaps  # no panel drawn over another


def test_every_alert_named_in_the_readme_exists_and_the_reverse():
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"][0]["rules"]
    names = {rule["alert"] for rule in rules}
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Operations") :]
    assert names == set(re.findall(r"`(Kuaimai[A-Za-z]+)`", section))


def _served_names() -> set[str]:
    """Every series name /metrics can show: the counters and histograms, and the gauges
    read at scrape time (config's own, and those the apps register)."""
    from prometheus_client import REGISTRY

    import config.metrics  # noqa: F401  (defines them)

    names = set()
    for family in REGISTRY.collect():
        names |= {sample.name for sample in family.samples} | {family.name}
        if family.type == "histogram":
            names |= {family.name + suffix for suffix in ("_bucket", "_count", "_sum")}
        if family.type == "counter":
            names.add(family.name + "_total")
    source = (ROOT / "config" / "metrics" / "live.py").read_text()
    source += (ROOT / "seckill" / "metrics.py").read_text()
    return names | set(re.findall(r'"(kuaimai_[a-z_]+)"', source))


def _asked_for(text: str) -> set[str]:
    return set(re.findall(r"\b(kuaimai_[a-z_]+)", text))


def test_the_dashboard_and_the_alerts_ask_only_for_served_metrics():
    served = _served_names()
    dashboard = json.loads((GRAFANA / "dashboards" / "kuaimai.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(exprs) >= 20
    asked = _asked_for("\n".join(exprs)) | _asked_for((PROMETHEUS / "alerts.yml").read_text())
    assert asked and asked <= served, asked - served
    # Every business number of the shop has a panel.
    for name in (
        "kuaimai_orders_total",
        "kuaimai_payments_total",
        "kuaimai_refunds_total",
        "kuaimai_payment_notifications_rejected_total",
        "kuaimai_seckill_reservations_total",
        "kuaimai_seckill_consumer_lag_seconds",
        "kuaimai_celery_queue_depth",
        "kuaimai_stock_alerts_total",
        "kuaimai_login_lockouts_total",
    ):
        assert name in asked, name


def test_compose_gives_every_shop_process_the_one_metrics_folder_and_scrapes_it():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    shop = [name for name, service in services.items() if service.get("image") == "kuaimai:latest"]
    assert {"web", "worker", "beat", "seckill-consumer", "migrate"} <= set(shop)
    for name in shop:
        service = services[name]
        assert service["environment"]["PROMETHEUS_MULTIPROC_DIR"] == "/app/var/prometheus"
        assert "metrics:/app/var/prometheus" in service["volumes"], name
    assert "rm -rf /app/var/prometheus/*" in " ".join(services["migrate"]["command"])
    scrape = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())["scrape_configs"][0]
    assert scrape["static_configs"][0]["targets"] == ["web:8000"]
    assert scrape["authorization"]["credentials_file"] == "/run/secrets/metrics_token"
    assert compose["secrets"]["metrics_token"] == {"environment": "METRICS_TOKEN"}
    for mount in services["prometheus"]["volumes"] + services["grafana"]["volumes"]:
        source = mount.split(":")[0]
        if source.startswith("./"):
            assert (ROOT / source).exists(), source
    nginx = (ROOT / "config" / "deploy" / "nginx.conf").read_text()
    assert "location = /metrics {\n        return 404;" in nginx


def test_gunicorn_with_the_shop_settings_logs_json_and_counts_every_worker(tmp_path):
    """gunicorn as compose runs it (-c python:config.gunicorn, two workers, one metrics
    folder): its own lines are JSON, and /metrics counts the requests whichever worker
    answered them."""
    import os
    import socket
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "METRICS_TOKEN": "deploy-test-token",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as sink:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn",
             "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # A long timeout: a first answer slower than it (a worker still loading)
                # would be sent again and counted twice. Not listening yet fails at once.
                urllib.request.urlopen(base + "/healthz", timeout=30)  # noqa: S310
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, log.read_text()
                time.sleep(0.2)
        for _ in range(39):
            urllib.request.urlopen(base + "/healthz", timeout=5)  # noqa: S310
        request = urllib.request.Request(  # noqa: S310
            base + "/metrics", headers={"Authorization": "Bearer deploy-test-token"}
        )
        text = urllib.request.urlopen(request, timeout=10).read().decode()  # noqa: S310
    finally:
        server.terminate()
        server.wait(timeout=30)
    line = 'kuaimai_http_requests_total{method="GET",route="healthz",status="200"} 40.0'
    assert line in text
    workers = {p.name.split("_")[-1] for p in (tmp_path / "metrics").glob("counter_*.db")}
    assert len(workers) >= 2  # both workers wrote (two files, one per pid)
    records = [json.loads(row) for row in log.read_text().splitlines() if row.strip()]
    assert any(
        r["logger"] == "gunicorn.error" and "Booting worker" in r["message"] for r in records
    )
    access = [r for r in records if r["logger"] == "kuaimai.access"]
    assert len(access) == 41 and {r["route"] for r in access} == {"healthz", "metrics"}
    assert not [r for r in records if r["logger"] == "gunicorn.access"]  # one line a request


def _procfile(path: Path) -> dict[str, str]:
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    return dict(line.split(": ", 1) for line in lines)


def test_the_procfile_runs_every_process_the_readme_lists_each_through_respawn():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Processes", 1)[1].split("\n## ", 1)[0]
    table = [row for row in section.split("\n\n")[2].splitlines() if row.startswith("|")]
    listed = {row.split("|")[1].strip() for row in table[2:]}
    procfile = _procfile(ROOT / "config" / "deploy" / "Procfile")
    assert set(procfile) == listed == {"web", "ws", "worker", "beat", "seckill"}
    for name, command in procfile.items():
        assert command.startswith(f"python -m config.respawn {name} -- "), name
    assert "seckill_consume" in procfile["seckill"]


def test_under_honcho_a_process_that_exits_is_started_again_and_the_others_go_on(tmp_path):
    import os
    import signal
    import sys
    import time

    marker = tmp_path / "runs"
    crash = (
        f"import pathlib; pathlib.Path({str(marker)!r}).open('a').write('x'); raise SystemExit(3)"
    )
    steady = "import time; time.sleep(120)"
    (tmp_path / "Procfile").write_text(
        f'crashy: {sys.executable} -m config.respawn crashy -- {sys.executable} -c "{crash}"\n'
        f'steady: {sys.executable} -m config.respawn steady -- {sys.executable} -c "{steady}"\n'
    )
    honcho = subprocess.Popen(  # noqa: S603 - the venv's honcho on our Procfile
        [str(Path(sys.executable).parent / "honcho"), "-f", str(tmp_path / "Procfile"),
         "-d", str(ROOT), "start"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LOG_FORMAT": "json"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline and len(marker.read_text() if marker.exists() else "") < 3
        ):
            time.sleep(0.2)
        assert marker.read_text() == "xxx"  # ran, exited, and was started again twice
        assert honcho.poll() is None  # honcho, and with it the steady process, still runs
    finally:
        honcho.send_signal(signal.SIGINT)
        output, _ = honcho.communicate(timeout=30)
    lines = [json.loads(line.split("| ", 1)[1]) for line in output.splitlines()
             if "kuaimai.respawn" in line]  # fmt: skip
    assert lines[0]["message"].startswith("crashy exited with code 3; starting it again in")
    assert "steady stopped" not in output.split("SIGINT received")[0]


def test_compose_checks_every_service_keeps_secrets_out_of_urls_and_splits_cache_from_state():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in ("web", "ws", "worker", "seckill-consumer", "beat", "nginx", "db", "redis"):
        assert "healthcheck" in services[name], name
    env = services["web"]["environment"]
    credentials = env["DATABASE_URL"].split("//", 1)[1].split("@")[0]
    assert ":" not in credentials  # a user, no password
    assert env["DATABASE_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert services["db"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert {"db_password", "wechatpay_private_key", "alipay_private_key"} <= set(
        services["web"]["secrets"]
    )
    assert env["REDIS_CACHE_URL"].startswith("redis://redis-cache:")
    assert "allkeys-lru" in services["redis-cache"]["command"]
    assert "noeviction" in services["redis"]["command"]
    assert "--heartbeat-file" in services["seckill-consumer"]["command"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "/app/var/prometheus" in dockerfile and "chown -R kuaimai /app/var" in dockerfile
