"""The full stack for the browser journeys (``make e2e``), on 127.0.0.1, as a deployment runs it.

Processes, each started by ``Stack.start`` with its log in ``var/e2e/logs/<name>.log`` and
stopped by its PID in ``Stack.stop``:

- ``web`` and ``web2``: two gunicorn nodes with the shop's settings file, two sync workers
  each, both upstreams of nginx (a session, a cart or a CSRF token made on one must work on
  the other);
- ``ws``: daphne, the ASGI server of the websockets;
- ``worker``: a Celery worker on every queue; ``beat``: Celery beat;
- ``seckill``: the flash-sale consumer (``manage.py seckill_consume``);
- ``nginx``: the front door, ``config/deploy/nginx.conf`` with this machine's addresses
  (``/ws/`` to daphne, the rest to gunicorn, ``/static/`` from collectstatic), because the
  pages open their websocket on their own origin.

PostgreSQL and Redis are the machine's: a database ``kuaimai_e2e`` made anew for the run and
Redis databases 6–9, emptied. No code here is a test; config/tests/e2e/ holds those.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "e2e"
LOGS = VAR / "logs"
SCREENSHOTS = ROOT / "var" / "screenshots"
FAILURES = VAR / "failures"
DATABASE = "kuaimai_e2e"
REDIS_BASE = 6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Stack:
    """The running stack: ``url`` is the front door."""

    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['nginx']}"

    def start(self) -> Stack:
        for folder in (LOGS, FAILURES, VAR / "static", VAR / "media"):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.ports = {name: free_port() for name in ("nginx", "web", "web2", "ws")}
        self.env = self._environment()
        self._fresh_database_and_redis()
        self._manage("migrate", "--noinput", "-v0")
        self._manage("collectstatic", "--noinput", "-v0")
        self._manage("seed_demo")
        python = sys.executable
        for web in ("web", "web2"):
            self._spawn(web, python, "-m", "gunicorn", "-c", "python:config.gunicorn",
                        "config.wsgi:application", "--bind", f"127.0.0.1:{self.ports[web]}",
                        "--workers", "2", "--timeout", "60")  # fmt: skip
        self._spawn("ws", python, "-m", "daphne", "-b", "127.0.0.1", "-p",
                    str(self.ports["ws"]), "config.asgi:application")  # fmt: skip
        self._spawn("worker", python, "-m", "celery", "-A", "config", "--quiet", "worker",
                    "-Q", "seckill,payments,default", "--concurrency", "2",
                    "--hostname", "e2e@%h")  # fmt: skip
        self._spawn("beat", python, "-m", "celery", "-A", "config", "--quiet", "beat",
                    "--schedule", str(VAR / "celerybeat-schedule"))  # fmt: skip
        self._spawn("seckill", python, "manage.py", "seckill_consume")
        self._spawn("nginx", shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(VAR),
                    "-c", str(self._nginx_conf()), "-g", "daemon off;")  # fmt: skip
        self._wait_until_up()
        return self

    def stop(self) -> None:
        """Every process by its PID: TERM, then KILL what is still there after 15 s."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log_tails(self, lines: int = 40) -> str:
        """The last lines of each process's log (CI prints them when a journey fails)."""
        parts = []
        for path in sorted(LOGS.glob("*.log")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"==> {path.relative_to(ROOT)} <==\n" + "\n".join(tail))
        return "\n\n".join(parts)

    def served_by(self, name: str) -> int:
        """Requests a web node answered so far (its access lines)."""
        path = LOGS / f"{name}.log"
        return path.read_text(errors="replace").count('"logger": "kuaimai.access"')

    def manage(self, *args: str) -> str:
        """A management command against the stack's database (a journey's setup or check)."""
        return self._manage(*args)

    # --- inside ----------------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OTEL_"))}
        return {
            **keep,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": "e2e-only-secret-key-0123456789abcdefghij",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_BASE}",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
            "PAYMENTS_PROVIDERS": "sandbox",
            "STATIC_ROOT": str(VAR / "static"),
            "STATIC_MANIFEST": "true",
            "MEDIA_ROOT": str(VAR / "media"),
            "MEDIA_ACCEL_REDIRECT": "true",  # refund photos through nginx's internal location
            "PROMETHEUS_MULTIPROC_DIR": str(VAR / "metrics"),
            "METRICS_TOKEN": "e2e-metrics-token",
            "LANGUAGE_CODE": "zh-hans",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONUNBUFFERED": "1",
        }

    def _fresh_database_and_redis(self) -> None:
        import psycopg
        import redis

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
            db.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            db.execute(f"CREATE DATABASE {DATABASE}")
        for offset in range(4):
            redis.Redis(host="127.0.0.1", port=6379, db=REDIS_BASE + offset).flushdb()
        shutil.rmtree(VAR / "metrics", ignore_errors=True)

    def _manage(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def _spawn(self, name: str, *command: str) -> None:
        log = (LOGS / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def _nginx_conf(self) -> Path:
        site = (ROOT / "config" / "deploy" / "nginx.conf").read_text()
        for old, new in (
            (
                "server web:8000;",
                f"server 127.0.0.1:{self.ports['web']}; server 127.0.0.1:{self.ports['web2']};",
            ),
            ("server ws:8001;", f"server 127.0.0.1:{self.ports['ws']};"),
            ("listen 80;", f"listen 127.0.0.1:{self.ports['nginx']};"),
            ("alias /srv/static/;", f"alias {VAR / 'static'}/;"),
            ("alias /srv/media/;", f"alias {VAR / 'media'}/;"),
            ("alias /srv/media/aftersales/;", f"alias {VAR / 'media'}/aftersales/;"),
        ):
            if old not in site:  # the deployment's file changed: change this too
                raise RuntimeError(f"config/deploy/nginx.conf no longer has {old!r}")
            site = site.replace(old, new)
        conf = VAR / "nginx.conf"
        conf.write_text(
            "pid nginx.pid;\nerror_log logs/nginx-error.log warn;\nevents {}\nhttp {\n"
            "  include /etc/nginx/mime.types;\n  access_log off;\n"
            "  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy;\n"
            "  fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;\n"
            f"{site}\n}}\n"
        )
        (VAR / "tmp").mkdir(exist_ok=True)
        return conf

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 90
        while True:
            dead = [n for n, p in self.processes.items() if p.poll() is not None]
            if dead:
                self.stop()
                raise RuntimeError(f"{', '.join(dead)} exited at start:\n{self.log_tails()}")
            try:
                # nginx → gunicorn → PostgreSQL, Redis and the broker
                urllib.request.urlopen(self.url + "/readyz", timeout=3)  # noqa: S310
                with socket.create_connection(("127.0.0.1", self.ports["ws"]), timeout=3):
                    pass
                if self._worker_answers():
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the stack did not come up in 90 s:\n{self.log_tails()}")
            time.sleep(0.5)

    def _worker_answers(self) -> bool:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "worker_health", "--timeout", "2"],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        return result.returncode == 0
