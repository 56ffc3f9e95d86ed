"""Shop pages over HTTP, as production serves them: gunicorn sync ×4, DEBUG=false, PostgreSQL
and Redis, driven by wrk from 127.0.0.1 at 50 connections.

Prints requests per second, p50 and p99 for /healthz, the home page, a category page, a
product page, a search page and the products API, and each one's share of /healthz from the
same run. Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/kuaimai) and
REDIS_URL (default redis://127.0.0.1:6379/10), migrated and with the demo catalog loaded.
Needs wrk (apt-get install wrk).
Usage: python bench/page_bench.py [--seconds 10] [--connections 50]
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "false",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789abcdef"),
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kuaimai"),
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/10"),
    "STATIC_MANIFEST": "false",
    # The API throttle still runs (one Lua call per request) but must not refuse the load.
    "THROTTLE_RATE_ANON": "100000000/min",
    "LOG_LEVEL": "WARNING",
}
# A signed-in shopper's session, made by prepare(): their pages are the cached fragments
# around a header of their own.
SIGNED_IN_SESSION = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import User
user = User.objects.get(username="shopper")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "accounts.backends.IdentifierBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""
PAGES = [
    ("/healthz", "/healthz"),
    ("home", "/"),
    ("category", "/category/electronics/"),
    ("product", "/product/xingchen-x20-5g-smartphone/"),
    ("search", "/search/?q=" + quote("蓝牙耳机")),
    ("products API", "/api/v1/products?page_size=20"),
]
SIGNED_IN_PAGES = [
    ("home, signed in", "/"),
    ("product, s. in", "/product/xingchen-x20-5g-smartphone/"),
]


def manage(*command: str) -> str:
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def prepare() -> str:
    """Migrate, load the demo shop; returns a signed-in shopper's session key."""
    from bench.catalog_bench import ensure_database

    ensure_database(ENV["DATABASE_URL"])
    manage("migrate", "--noinput", "-v0")
    manage("seed_demo")
    return manage("shell", "-c", SIGNED_IN_SESSION).strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--workers", "4", "--worker-class", "sync",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        ],
        cwd=ROOT,
        env=ENV,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
            return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                sys.exit("gunicorn did not start")
            time.sleep(0.3)


def warm(base: str, cookie: str) -> None:
    """Every worker renders every page once, so the run measures warm caches."""
    for pages, headers in ((PAGES, {}), (SIGNED_IN_PAGES, {"Cookie": cookie})):
        for _, path in pages:
            for _ in range(40):
                request = urllib.request.Request(base + path, headers=headers)  # noqa: S310
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    assert response.status == 200, (path, response.status)


def to_ms(text: str) -> float:
    """wrk's durations: 850.00us, 12.30ms, 1.02s, 1.50m."""
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(url: str, *, seconds: int, connections: int, cookie: str = "") -> dict:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    out = subprocess.run(  # noqa: S603
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *headers, url],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Latency Distribution" not in out:
        sys.exit(f"wrk printed no latencies for {url}:\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": to_ms(re.search(r"^\s+50%\s+(\S+)$", out, re.M).group(1)),
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)$", out, re.M).group(1)),
        "errors": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    cookie = f"sessionid={prepare()}"
    port = free_port()
    server = start_gunicorn(port)
    base = f"http://127.0.0.1:{port}"
    try:
        warm(base, cookie)
        results = {
            name: wrk(base + path, seconds=args.seconds, connections=args.connections)
            for name, path in PAGES
        }
        for name, path in SIGNED_IN_PAGES:
            results[name] = wrk(
                base + path, seconds=args.seconds, connections=args.connections, cookie=cookie
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    health = results["/healthz"]["rps"]
    print(
        f"gunicorn sync ×4, DEBUG=false, wrk -c{args.connections} -d{args.seconds}s, "
        f"{os.cpu_count()} cores"
    )
    print(f"{'page':<16}{'req/s':>9}{'share':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, r in results.items():
        share = r["rps"] / health if health else 0
        print(
            f"{name:<16}{r['rps']:>9.0f}{share:>7.2f}×{r['p50']:>9.1f}{r['p99']:>9.1f}"
            f"{r['errors']:>8}"
        )


if __name__ == "__main__":
    main()
