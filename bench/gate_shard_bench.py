"""How many flash-sale reservations one Redis shard admits per second: the ceiling of one
event, which lives on one shard by design (its keys share the hash tag ``{sk:E}``).

It starts its own ``redis-server`` on a free port (one core, as a shard is), loads an event
with more stock than the run can sell, and drives the real ``reserve.lua`` with
redis-benchmark (EVALSHA, a random shopper, token and reservation per call, 50 connections,
no pipelining: one call per request, as the web sends them). Every call is a full admission
(rate counters, window, single-use token, per-shopper limit, DECRBY, HINCRBY, XADD), the
costliest answer. Prints calls per second and the p50/p99 redis-benchmark reports.

    .venv/bin/python bench/gate_shard_bench.py [--requests 200000] [--clients 50]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config.testing_servers import RedisServer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=50)
    options = parser.parse_args()

    import redis

    server = RedisServer().start()
    try:
        client = redis.Redis(port=server.port, decode_responses=True)
        sha = client.script_load((ROOT / "seckill" / "lua" / "reserve.lua").read_text())
        tag = "sk:{sk:1}:"
        now = int(time.time() * 1000)
        client.set(tag + "stock", 10**9)
        client.hset(tag + "meta", mapping={"start": now - 60_000, "end": now + 3_600_000,
                                           "limit": 1})  # fmt: skip
        keys = [tag + name for name in ("stock", "buyers", "stream", "meta", "rsv")]
        keys += [tag + "tok:__rand_int__", tag + "rl:u:__rand_int__", tag + "rl:ip:1", tag + "w"]
        # A random shopper (the same number names the token and the limiter's key); the IP
        # limit set out of the way, the window one second.
        args = ["__rand_int__", 1, now, "1-__rand_int__", 65_000, 5, 10**9, 1000]
        command = [
            "redis-benchmark", "-p", str(server.port), "-n", str(options.requests),
            "-c", str(options.clients), "-r", "100000000", "-q", "--precision", "2",
            "EVALSHA", sha, str(len(keys)), *keys, *map(str, args),
        ]  # fmt: skip
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
        admitted = client.xlen(tag + "stream")
    finally:
        server.stop()
    found = re.search(r"([\d.]+) requests per second, p50=([\d.]+) msec", out)
    print(out.strip().splitlines()[-1])
    if not found:
        print("could not read redis-benchmark's figures", file=sys.stderr)
        return 1
    print(
        f"one shard: {float(found.group(1)):,.0f} reserve calls/s, p50 {found.group(2)} ms; "
        f"{admitted:,} admitted of {options.requests:,}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
