"""Checkout under contention: N threads place orders for one hot SKU on PostgreSQL.

Prints orders per second and latency percentiles, and checks the invariant the shop promises:
units sold + units left = units at the start. Uses the full stack (DATABASE_URL, default the
local `kuaimai` database, created if missing; REDIS_URL default db 10).
Usage: python bench/checkout_bench.py [--threads T] [--orders N]
"""

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog_bench import django_ready  # noqa: E402  (sets up Django on the full stack)

django_ready()

from django.db import connection  # noqa: E402

from accounts.models import Address, User  # noqa: E402
from carts.keys import user_cart_key  # noqa: E402
from carts.services import cart_add, cart_clear  # noqa: E402
from catalog import services as catalog_services  # noqa: E402
from catalog.models import Category, Product, Sku  # noqa: E402
from config.exceptions import ApplicationError  # noqa: E402
from orders.models import Order  # noqa: E402
from orders.services import order_create_from_cart  # noqa: E402


def setup(threads: int, stock: int) -> tuple[Sku, list]:
    category = Category.objects.filter(slug="bench").first() or catalog_services.category_create(
        name="Bench", slug="bench"
    )
    product = Product.objects.filter(
        slug="bench-hot-item"
    ).first() or catalog_services.product_create(
        data={
            "name": "Bench hot item",
            "slug": "bench-hot-item",
            "category": category,
            "status": "on_sale",
            "spec": [],
        },
        skus=[{"code": "BENCH-HOT", "price": "9.90", "stock": stock, "attributes": {}}],
    )
    sku = product.skus.get()
    # A rerun starts from the same stock, counted through the ledger like a merchant would.
    catalog_services.sku_stock_count(sku_id=sku.pk, counted=stock, expected=sku.stock)
    buyers = []
    for n in range(threads):
        user, _ = User.objects.get_or_create(username=f"bench_buyer_{n}")
        address = Address.objects.filter(user=user).first() or Address.objects.create(
            user=user,
            receiver="Bench",
            phone="13000000000",
            province="P",
            city="C",
            district="D",
            detail="1 Bench Road",
            is_default=True,
        )
        buyers.append((user, address))
    return sku, buyers


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--orders", type=int, default=400, help="orders attempted in all")
    args = parser.parse_args()
    stock = args.orders * 3 // 4  # a quarter of the attempts must be refused
    sku, buyers = setup(args.threads, stock)
    before = Order.objects.filter(items__sku=sku).count()
    latencies, refused = [], []
    lock = threading.Lock()
    per_thread = args.orders // args.threads

    def buyer_loop(user, address):
        for _ in range(per_thread):
            cart_clear(key=user_cart_key(user.pk))
            start = time.perf_counter()
            try:
                # Sold out already? The cart refuses the add: a refusal like the checkout's.
                cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=1)
                order_create_from_cart(user=user, address_id=address.pk)
                with lock:
                    latencies.append(time.perf_counter() - start)
            except ApplicationError:
                with lock:
                    refused.append(1)
        connection.close()

    pool = [threading.Thread(target=buyer_loop, args=pair) for pair in buyers]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    sold = Order.objects.filter(items__sku=sku).count() - before
    left = Sku.objects.get(pk=sku.pk).stock
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(f"threads {args.threads}, attempts {per_thread * args.threads}, stock {stock}")
    print(f"orders placed {sold}, refused {len(refused)}, stock left {left}")
    print(f"invariant sold + left == stock: {sold + left == stock}")
    if latencies:
        mean = statistics.mean(latencies) * 1000
        print(
            f"throughput {sold / elapsed:,.0f} orders/s; latency ms p50 {p(0.5):.1f} "
            f"p95 {p(0.95):.1f} max {latencies[-1] * 1000:.1f} (mean {mean:.1f})"
        )


if __name__ == "__main__":
    try:
        main()
    finally:
        # No worker runs here: drop the notification and countdown tasks the orders queued.
        from config.celery import app

        app.control.purge()
