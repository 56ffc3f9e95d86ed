"""The shop's settings, with the benchmark's URLconf (the naive baseline beside the shop)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.seckill_naive"
