"""A flash sale under load, as production serves it: gunicorn sync ×4 (DEBUG=false) on
PostgreSQL and Redis, wrk from 127.0.0.1, then the consumer process turning admissions into
orders. Needs wrk (apt-get install wrk).

It prints, from one run of one server:
- /healthz: requests per second (the ceiling of this machine and stack);
- reserve, the gate path: every request a full Lua call (tokens rotate over 5,000 shoppers
  of an event too big to sell out), with p50 and p99, and its share of /healthz;
- the naive baseline (bench/seckill_naive.py: a row lock and an order insert per request),
  and reserve's multiple of it;
- the sale: 1,000 units, 5,000 shoppers each pressing once or more; what the crowd saw
  (admitted, sold out, refused), then the seconds one consumer process needs to turn every
  admission into an order, and the invariant check: admitted = stock, orders = admitted,
  nobody over the limit, stock conserved in Redis and in PostgreSQL (stock_audit clean).

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
kuaimai_seckill_bench, recreated each run) and REDIS_URL (default redis://127.0.0.1:6379/4,
databases 4-7, flushed).
Usage: python bench/seckill_bench.py [--seconds 10] [--connections 100]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.page_bench import free_port, wrk  # noqa: E402

DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kuaimai_seckill_bench"
)
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "bench.seckill_settings",
    "DEBUG": "false",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789abcdef"),
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4"),
    "STATIC_MANIFEST": "false",
    "LOG_LEVEL": "WARNING",
    "PYTHONWARNINGS": "ignore::UserWarning",
    # Every request comes from 127.0.0.1: the per-IP limit would refuse the crowd itself.
    "SECKILL_RATE_PER_IP": "100000000",
    "SECKILL_TOKEN_SECONDS": "3600",
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "PYTHONPATH": str(ROOT),
    # /metrics as production serves it: every gunicorn worker and the consumer count into one
    # folder (made anew each run), read with the token.
    "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="seckill-bench-metrics-"),
    "METRICS_TOKEN": "bench-metrics-token",
    "METRICS_WORKER_PING_TIMEOUT": "0.2",
}
SHOPPERS = 5000

PREPARE = """
import os
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken
from catalog.services import product_create
from seckill.models import SeckillEvent, EventStatus
from seckill.services import event_publish, event_warm_up
from seckill.tokens import token_issue

User = get_user_model()
User.objects.bulk_create(
    [User(username=f"sk{i}", phone=f"1380{i:07d}") for i in range(%(shoppers)d)],
    ignore_conflicts=True,
)
users = list(User.objects.filter(username__startswith="sk").order_by("pk"))
from catalog.models import Category
category = Category.objects.create(name="秒杀", slug="seckill-bench")
def event(units, title):
    product = product_create(
        data={"name": title, "category": category, "status": "on_sale"},
        skus=[{"code": title.upper(), "attributes": {}, "price": "99.00", "stock": units}],
    )
    start = timezone.now() - timedelta(minutes=1)
    e = SeckillEvent.objects.create(
        sku=product.skus.get(), title=title, flash_price="9.90", allocated=units,
        starts_at=start, ends_at=start + timedelta(hours=2),
    )
    event_publish(event_id=e.pk)
    SeckillEvent.objects.filter(pk=e.pk).update(status=EventStatus.RUNNING)
    event_warm_up(event_id=e.pk)
    return e.pk
gate_id, naive_id, sale_id = event(10**7, "gate"), event(10**7, "naive"), event(1000, "sale")
out = os.environ["BENCH_TOKENS"]
with open(out + ".gate", "w") as f:
    f.write("\\n".join(token_issue(user_id=u.pk, event_id=gate_id)[0] for u in users))
with open(out + ".sale", "w") as f:
    f.write("\\n".join(token_issue(user_id=u.pk, event_id=sale_id)[0] for u in users))
with open(out + ".naive", "w") as f:
    f.write("\\n".join(str(AccessToken.for_user(u)) for u in users))
print(gate_id, naive_id, sale_id)
"""

CHECK = """
import os
from collections import Counter
from catalog.services import stock_audit
from config.redis import get_redis
from orders.models import Order
from seckill import gate
from seckill.models import SeckillAdmission, SeckillEvent
e = SeckillEvent.objects.get(pk=int(os.environ["BENCH_EVENT"]))
r = get_redis()
admitted = r.xlen(gate.key(e.pk, "stream"))
orders = Order.objects.filter(seckill_admission__event=e).count()
per_user = Counter(SeckillAdmission.objects.filter(event=e).values_list("user_id", flat=True))
left = int(r.get(gate.key(e.pk, "stock")))
held = sum(int(v) for v in r.hgetall(gate.key(e.pk, "buyers")).values())
# The naive baseline writes its event's stock without the ledger, as such code does.
audit = [row for row in stock_audit() if row["code"] not in ("naive", "NAIVE")]
print(admitted, orders, max(per_user.values() or [0]), left, held, e.stock, len(audit))
"""


def run(*command, env=ENV, **kwargs):
    done = subprocess.run(  # noqa: S603 - our own tools
        command, cwd=ROOT, env=env, capture_output=True, text=True, **kwargs
    )
    if done.returncode:
        sys.exit(f"{command[:3]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def manage(*command, **env):
    return run(sys.executable, "manage.py", *command, env={**ENV, **env})


def recreate_database():
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres",
        password=parts.password, dbname="postgres", autocommit=True,
    ) as conn:  # fmt: skip
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            psycopg.sql.Identifier(name)))  # fmt: skip
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))


def flush_redis():
    import redis

    base = ENV["REDIS_URL"].rsplit("/", 1)
    for offset in range(4):
        redis.Redis.from_url(f"{base[0]}/{int(base[1]) + offset}").flushdb()


# The web processes' log lines (JSON, as in production) go to a file, as a log driver takes them.
SERVER_LOG = tempfile.NamedTemporaryFile(prefix="seckill-bench-web-", suffix=".log", delete=False)  # noqa: SIM115


def start_gunicorn(port, gunicorn_args):
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn",
            "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning", *gunicorn_args,
        ],
        cwd=ROOT, env=ENV, stdout=SERVER_LOG, stderr=subprocess.STDOUT,
    )  # fmt: skip
    import urllib.request

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


def load(url, tokens, mode, *, seconds, connections):
    script = str(ROOT / "bench" / "seckill_tokens.lua")
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script,
               url, "--", tokens, mode]  # fmt: skip
    return wrk_parse(run(*command))


def wrk_parse(out):
    import re

    from bench.page_bench import to_ms

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not re.search(r"^\s+99%\s+(\S+)\s*$", out, re.M):
        sys.exit(f"wrk measured nothing:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": to_ms(re.search(r"^\s+50%\s+(\S+)\s*$", out, re.M).group(1)),
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)\s*$", out, re.M).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "non2xx": int(errors.group(1)) if errors else 0,
    }


def state_redis():
    """The app-state database (REDIS_URL's base + 3), where the gates live."""
    import redis

    server, base_db = ENV["REDIS_URL"].rsplit("/", 1)
    return redis.Redis.from_url(f"{server}/{int(base_db) + 3}")


def stream_length(event_id):
    return state_redis().xlen(f"sk:{{sk:{event_id}}}:stream")


def drop_stream(event_id):
    state_redis().delete(f"sk:{{sk:{event_id}}}:stream")


def orders_made(event_id):
    """Admissions turned into orders so far (one small query, no Django start-up)."""
    import psycopg

    with psycopg.connect(DATABASE_URL) as conn:
        return conn.execute(
            "SELECT count(*) FROM seckill_seckilladmission WHERE event_id = %s", [event_id]
        ).fetchone()[0]


SHOWN = (
    "kuaimai_seckill_reservations_total",
    "kuaimai_seckill_consumer_lag",
    "kuaimai_orders_total",
    'kuaimai_http_requests_total{method="POST",route="api-seckill',
)


def scrape(base) -> dict[str, float]:
    """The flash-sale lines of /metrics (every web worker and the consumer, added up)."""
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - our own http:// server
        base + "/metrics", headers={"Authorization": "Bearer " + ENV["METRICS_TOKEN"]}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        text = answer.read().decode()
    samples = {}
    for row in text.splitlines():
        if row.startswith(SHOWN):
            name, _, value = row.rpartition(" ")
            samples[name] = float(value)
    return samples


def during(base, seconds) -> dict:
    """/metrics read halfway through the sale, while the crowd is still at the door."""
    import threading

    seen = {}
    timer = threading.Timer(seconds / 2, lambda: seen.update(scrape(base)))
    timer.start()
    return seen


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--gunicorn", default="--workers 4 --worker-class sync",
                        help="gunicorn's worker options")  # fmt: skip
    parser.add_argument("--log-level", default="WARNING",
                        help="the shop's LOG_LEVEL: INFO writes the access line of every "
                             "request, as production does")  # fmt: skip
    args = parser.parse_args()
    ENV["LOG_LEVEL"] = args.log_level
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    recreate_database()
    flush_redis()
    manage("migrate", "--noinput", "-v0")
    tokens = tempfile.mktemp(prefix="seckill-tokens-")  # noqa: S306 - a prefix for 3 files
    ids = manage("shell", "-c", PREPARE % {"shoppers": SHOPPERS}, BENCH_TOKENS=tokens)
    gate_id, naive_id, sale_id = (int(x) for x in ids.splitlines()[-1].split())
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(port, args.gunicorn.split())
    try:
        run("wrk", "-t2", "-c10", "-d2s", base + "/healthz")  # warm the workers
        health = wrk(base + "/healthz", seconds=args.seconds, connections=args.connections)
        gate_run = load(f"{base}/api/v1/seckill/events/{gate_id}/reserve", tokens + ".gate",
                        "body", seconds=args.seconds, connections=args.connections)  # fmt: skip
        naive = load(f"{base}/bench/naive/{naive_id}/reserve", tokens + ".naive", "bearer",
                     seconds=args.seconds, connections=args.connections)  # fmt: skip
        # The gate phase admitted thousands into an event nobody consumes: its stream goes,
        # so the consumer's time (and the lag below) is the sale's alone.
        drop_stream(gate_id)
        before_sale = scrape(base)
        mid_sale = during(base, args.seconds)
        sale = load(f"{base}/api/v1/seckill/events/{sale_id}/reserve", tokens + ".sale", "body",
                    seconds=args.seconds, connections=args.connections)  # fmt: skip
        after_sale = scrape(base)
        admitted = stream_length(sale_id)
        # One consumer process, started once the crowd has gone: the time it needs is its
        # own, counted from the moment it is up (it says so) to the last order.
        consumer = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "seckill_consume"], cwd=ROOT, env=ENV,
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        consumer.stdout.readline()
        started = time.monotonic()
        try:
            while orders_made(sale_id) < admitted and time.monotonic() - started < 120:
                time.sleep(0.1)
            consumed = time.monotonic() - started
        finally:
            consumer.terminate()
            consumer.wait()
        after_orders = scrape(base)
    finally:
        server.terminate()
        server.wait()
    check = manage("shell", "-c", CHECK, BENCH_EVENT=str(sale_id)).splitlines()[-1].split()
    got, orders, most, left, held, pg_left, audit = (int(x) for x in check)
    for suffix in (".gate", ".sale", ".naive"):
        Path(tokens + suffix).unlink(missing_ok=True)

    def line(name, r, ratio=""):
        print(f"{name:<22} {r['rps']:>9,.0f} req/s  p50 {r['p50']:>6.1f} ms  p99 "
              f"{r['p99']:>6.1f} ms  {ratio}")  # fmt: skip

    print(f"gunicorn {args.gunicorn}, wrk -t2 -c{args.connections}, {args.seconds} s each, "
          f"{SHOPPERS:,} shoppers")  # fmt: skip
    line("/healthz", health)
    line("reserve (gate path)", gate_run, f"{gate_run['rps'] / health['rps']:.2f}× /healthz "
         f"(target ≥ 0.6×), {gate_run['rps'] / naive['rps']:.1f}× naive (target ≥ 8×)")  # fmt: skip
    line("naive baseline", naive)
    line("reserve (the sale)", sale, f"{sale['requests']:,} requests, "
         f"{sale['requests'] - sale['non2xx']:,} admitted, {sale['non2xx']:,} refused")  # fmt: skip
    print(f"consumer: {orders:,} orders from {admitted:,} admissions in {consumed:.1f} s "
          "(one process; target 1,000 within 10 s)")  # fmt: skip
    checks = {
        "admitted = stock (1,000)": got == admitted == 1000,
        "orders = admitted": orders == admitted,
        "nobody over the limit (1)": most <= 1,
        "Redis conserved (left + held = 1,000)": left + held == 1000,
        "PostgreSQL conserved (left + orders = 1,000)": pg_left + orders == 1000,
        "stock_audit clean (the sale's event and SKU)": audit == 0,
        "p99 ≤ 60 ms": gate_run["p99"] <= 60,
    }
    print("/metrics during the sale (since its start) | after it | after the consumer:")
    for name in sorted(set(after_sale) | set(after_orders)):
        # Counters since the sale began; the lag (a gauge) as it stood.
        base_value = 0.0 if "lag" in name else before_sale.get(name, 0.0)
        values = [
            (snapshot.get(name, 0.0) - base_value) if snapshot else float("nan")
            for snapshot in (mid_sale, after_sale, after_orders)
        ]
        print(f"  {name:<86} " + " | ".join(f"{v:>8,.0f}" for v in values))
    admitted_metric = after_sale.get('kuaimai_seckill_reservations_total{outcome="admitted"}', 0)
    checks["/metrics counted the sale's admissions (1,000)"] = (
        admitted_metric
        - before_sale.get('kuaimai_seckill_reservations_total{outcome="admitted"}', 0)
        == 1000
    )
    checks["/metrics lag 1,000 before the consumer, 0 after"] = (
        after_sale.get("kuaimai_seckill_consumer_lag") == 1000
        and after_orders.get("kuaimai_seckill_consumer_lag") == 0
    )
    for name, ok in checks.items():
        print(f"  {'ok ' if ok else 'FAIL'} {name}")
    print(f"web log (LOG_LEVEL {args.log_level}): {SERVER_LOG.name}")
    if not all(checks.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
