"""What a Redis outage costs a page: the product page and the product API timed in process
(Django's test client) with Redis up, Redis hung (SIGSTOP: connections held, nothing
answered, the costliest failure) and Redis gone (SIGKILL: refused at once).

It starts its own redis-server for the cache and the app state; PostgreSQL is the full
stack's (DATABASE_URL, default the local ``kuaimai`` database, migrated and seeded like
bench/catalog_bench.py). Prints mean, p95 and the slowest request's milliseconds for each
state (while hung, about one request a second per process pays the socket timeout; the
others skip Redis).
Usage: python bench/outage_bench.py [--requests N]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config.testing_servers import RedisServer  # noqa: E402

SERVER = RedisServer().start()
os.environ["REDIS_URL"] = SERVER.url(0)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kuaimai")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("THROTTLE_RATE_ANON", "100000000/min")
os.environ.setdefault("LOG_LEVEL", "ERROR")  # one warning a minute is the point, not noise


def timed(client, url: str, n: int) -> tuple[float, float, float, set[int]]:
    spent, statuses = [], set()
    for _ in range(n):
        began = time.perf_counter()
        statuses.add(client.get(url).status_code)
        spent.append((time.perf_counter() - began) * 1000)
    spent.sort()
    return statistics.mean(spent), spent[int(len(spent) * 0.95) - 1], spent[-1], statuses


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    options = parser.parse_args()
    from catalog_bench import django_ready

    django_ready()
    from django.core.management import call_command
    from django.test import Client

    from catalog.models import Product, ProductStatus

    if not Product.objects.filter(status=ProductStatus.ON_SALE).exists():
        call_command("seed_demo", verbosity=0)
    product = Product.objects.filter(status=ProductStatus.ON_SALE).order_by("pk").first()
    client = Client(HTTP_HOST="127.0.0.1")
    pages = {
        "product page": f"/product/{product.slug}/",
        "product API": f"/api/v1/products/{product.pk}",
    }
    print(f"{options.requests} requests each, in process; Redis on port {SERVER.port}")
    try:
        for state in ("up", "hung (SIGSTOP)", "gone (SIGKILL)"):
            if state.startswith("hung"):
                SERVER.pause()
            elif state.startswith("gone"):
                SERVER.resume()
                SERVER.process.send_signal(signal.SIGKILL)
                SERVER.process.wait()
            for name, url in pages.items():
                client.get(url)  # warm (or the first failure)
                mean, p95, worst, statuses = timed(client, url, options.requests)
                print(f"Redis {state:15} {name:13} mean {mean:6.1f} ms  p95 {p95:6.1f} ms  "
                      f"max {worst:6.0f} ms  status {sorted(statuses)}")  # fmt: skip
    finally:
        SERVER.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
