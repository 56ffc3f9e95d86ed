"""Throughput of the sliding-window rate limiter (one Lua call per check).

Runs against the real Redis (REDIS_URL, default redis://127.0.0.1:6379/10) and against the
embedded fakeredis, single-threaded and with several threads, and prints calls per second.
Usage: python bench/ratelimit_bench.py [--calls N] [--threads T]
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/10")

import django  # noqa: E402

django.setup()

from django.test import override_settings  # noqa: E402

from config.ratelimit import rate_limit_hit  # noqa: E402
from config.redis import get_redis  # noqa: E402


def run(calls: int, threads: int) -> float:
    per_thread = calls // threads

    def worker(index: int):
        for n in range(per_thread):
            rate_limit_hit(key=f"bench:{index}:{n % 100}", limit=1_000_000, window_seconds=60)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return per_thread * threads / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    from django.conf import settings

    targets = [("redis", settings.REDIS_STATE_URL), ("fakeredis", "")]
    for name, url in targets:
        with override_settings(REDIS_STATE_URL=url):
            get_redis().flushdb()
            single = run(args.calls, 1)
            multi = run(args.calls, args.threads)
            get_redis().flushdb()
        print(
            f"rate_limit_hit on {name:<9}: {single:>9,.0f} calls/s (1 thread)  "
            f"{multi:>9,.0f} calls/s ({args.threads} threads)"
        )


if __name__ == "__main__":
    main()
