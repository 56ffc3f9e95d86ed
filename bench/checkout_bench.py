"""Checkout under contention: N threads place orders for one hot SKU on PostgreSQL.

Two runs in one: plain orders, then orders that each take a 满减 promotion and a coupon of
the buyer's (the price engine's marketing stages, and the coupon held in the order's
transaction). Prints orders per second and latency percentiles for each and what the engine
costs, and checks the invariant the shop promises: units sold + units left = units at the
start. Uses the full stack (DATABASE_URL, default the local `kuaimai` database, created if
missing; REDIS_URL default db 10).
Usage: python bench/checkout_bench.py [--threads T] [--orders N]
"""

import argparse
import datetime
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
from marketing.models import CouponTemplate, Promotion, PromotionKind, PromotionTier  # noqa: E402
from marketing.services import coupon_claim, promotions_changed, promotions_stop  # noqa: E402
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
            province="上海市",
            city="上海市",
            district="浦东新区",
            region_code="310115",
            detail="1 Bench Road",
            is_default=True,
        )
        buyers.append((user, address))
    return sku, buyers


def promote(sku, buyers, per_buyer: int):
    """A 满减 on the hot product and, for each buyer, one coupon per order to come; returns
    {user id: [coupon ids]} and the promotion."""
    from django.utils import timezone

    now = timezone.now()
    promotion = Promotion.objects.create(
        name="Bench 满5减1",
        kind=PromotionKind.AMOUNT_OFF,
        starts_at=now,
        ends_at=now + datetime.timedelta(hours=1),
        scope="products",
    )
    promotion.products.set([sku.product])
    PromotionTier.objects.create(promotion=promotion, threshold=5, amount_off=1)
    promotions_changed()
    template = CouponTemplate.objects.create(
        name=f"Bench 无门槛 {now:%H%M%S}",
        amount_off="0.50",
        threshold=0,
        per_user_limit=per_buyer,
        valid_days=1,
    )
    coupons = {
        user.pk: [coupon_claim(user=user, template_id=template.pk).pk for _ in range(per_buyer)]
        for user, _address in buyers
    }
    return coupons, promotion


def run(sku, buyers, per_thread: int, coupons=None) -> dict:
    latencies, refused = [], []
    lock = threading.Lock()

    def buyer_loop(user, address):
        mine = list((coupons or {}).get(user.pk, []))
        for _ in range(per_thread):
            cart_clear(key=user_cart_key(user.pk))
            start = time.perf_counter()
            try:
                # Sold out already? The cart refuses the add: a refusal like the checkout's.
                cart_add(key=user_cart_key(user.pk), sku_id=sku.pk, quantity=1)
                order_create_from_cart(
                    user=user, address_id=address.pk, coupon=mine.pop() if mine else None
                )
                with lock:
                    latencies.append(time.perf_counter() - start)
            except ApplicationError:
                with lock:
                    refused.append(1)
        connection.close()

    before = Order.objects.filter(items__sku=sku).count()
    pool = [threading.Thread(target=buyer_loop, args=pair) for pair in buyers]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "sold": Order.objects.filter(items__sku=sku).count() - before,
        "refused": len(refused),
        "latencies": sorted(latencies),
        "elapsed": elapsed,
    }


def report(title: str, result: dict, stock: int, left: int) -> float:
    latencies = result["latencies"]
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    rate = result["sold"] / result["elapsed"]
    print(f"-- {title}")
    print(f"orders placed {result['sold']}, refused {result['refused']}, stock left {left}")
    print(f"invariant sold + left == stock: {result['sold'] + left == stock}")
    if latencies:
        mean = statistics.mean(latencies) * 1000
        print(
            f"throughput {rate:,.0f} orders/s; latency ms p50 {p(0.5):.1f} "
            f"p95 {p(0.95):.1f} max {latencies[-1] * 1000:.1f} (mean {mean:.1f})"
        )
    return rate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--orders", type=int, default=400, help="orders attempted per run")
    args = parser.parse_args()
    stock = args.orders * 3 // 4  # a quarter of the attempts must be refused
    per_thread = args.orders // args.threads
    sku, buyers = setup(args.threads, stock)
    print(f"threads {args.threads}, attempts {per_thread * args.threads} per run, stock {stock}")
    plain = report("plain orders", run(sku, buyers, per_thread), stock, sku_left(sku))
    sku, buyers = setup(args.threads, stock)
    coupons, promotion = promote(sku, buyers, per_thread)
    try:
        priced = report(
            "each with a 满减 and a coupon",
            run(sku, buyers, per_thread, coupons),
            stock,
            sku_left(sku),
        )
    finally:
        promotions_stop(promotion_ids=[promotion.pk])
    if plain:
        print(
            f"the engine's promotion and coupon cost {(1 - priced / plain) * 100:.0f} % of orders/s"
        )


def sku_left(sku) -> int:
    return Sku.objects.get(pk=sku.pk).stock


if __name__ == "__main__":
    try:
        main()
    finally:
        # No worker runs here: drop the notification and countdown tasks the orders queued.
        from config.celery import app

        app.control.purge()
