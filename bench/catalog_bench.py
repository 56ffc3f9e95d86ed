"""Catalog read paths: requests per second and SQL queries per request, cold and cached.

Uses the full stack (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/kuaimai, and
REDIS_URL, default redis://127.0.0.1:6379/10), migrates it and loads the demo data
(idempotent), then calls the views in-process through Django's test client, so the figures
are the application's own cost without HTTP server overhead.
Usage: python bench/catalog_bench.py [--requests N]
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kuaimai")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/10")
os.environ.setdefault("STATIC_MANIFEST", "false")
# The throttle still runs (one Lua call per API request), but must not refuse the benchmark.
os.environ.setdefault("THROTTLE_RATE_ANON", "100000000/min")


def ensure_database(url: str) -> None:
    """Create the benchmark's database if it does not exist yet."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))


def django_ready() -> None:
    """Create the database if needed, set Django up, migrate."""
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


if __name__ == "__main__":
    django_ready()


PATHS = [
    ("API list", "/api/v1/products?page_size=20"),
    ("API list filtered", "/api/v1/products?category=electronics&sort=price&in_stock=true"),
    ("API search", "/api/v1/products?q=tea"),
    ("API detail", "/api/v1/products/{pk}"),
    ("page category", "/category/fashion/?sort=sales"),
    ("page product", "/product/{slug}/"),
]


def measure(client, url, requests, cold):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries = 0
    start = time.perf_counter()
    for _ in range(requests):
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (url, response.status_code)
        queries += len(ctx.captured_queries)
    elapsed = time.perf_counter() - start
    return requests / elapsed, queries / requests


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    from django.core.management import call_command
    from django.test import Client

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from catalog.models import Product

    product = Product.objects.filter(status="on_sale").order_by("pk").first()
    client = Client()
    print(f"{'path':<18} {'cold req/s':>10} {'q/req':>6}   {'cached req/s':>12} {'q/req':>6}")
    for name, template in PATHS:
        url = template.format(pk=product.pk, slug=product.slug)
        cold_rps, cold_q = measure(client, url, max(20, args.requests // 5), cold=True)
        warm_rps, warm_q = measure(client, url, args.requests, cold=False)
        print(f"{name:<18} {cold_rps:>10,.0f} {cold_q:>6.1f}   {warm_rps:>12,.0f} {warm_q:>6.1f}")


if __name__ == "__main__":
    main()
