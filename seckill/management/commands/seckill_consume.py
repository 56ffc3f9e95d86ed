"""The flash-sale consumer as its own process: admissions become orders the moment they
arrive (beat's 2-second drain is the backstop). More processes share the work through the
consumer group. Stop it with SIGTERM or Ctrl-C; an entry it was working on stays pending and
another consumer reclaims it.

It never exits because Redis or PostgreSQL went away: it waits (1 s, then twice as long each
time, at most SECKILL_CONSUMER_MAX_BACKOFF), logs once a minute while the outage lasts, and
goes on where it stopped. Nothing is lost meanwhile: admissions wait in the stream, and an
entry whose order committed but was not acknowledged finds its order on the next delivery.
"""

import logging
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections

from config.outage import DATABASE_DOWN, REDIS_DOWN, log_throttled
from seckill.services import events_drain
from seckill.services.consumer import consumer_name

logger = logging.getLogger("seckill.consumer")


class Command(BaseCommand):
    help = "Turn queued flash-sale admissions into orders, continuously."

    def add_arguments(self, parser):
        parser.add_argument("--idle", type=float, default=0.05, help="seconds between polls")
        parser.add_argument(
            "--once", action="store_true", help="drain what is queued now, then exit"
        )
        parser.add_argument(
            "--heartbeat-file",
            default="",
            help="touched on every pass, waiting out an outage included (a health check "
            "reads its age)",
        )

    def handle(self, *args, idle, once, heartbeat_file, **options):
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        name = consumer_name()
        # A log line (JSON in production, like every other), not a print.
        logger.info("seckill consumer %s running", name, extra={"consumer": name})
        backoff = 0.0
        try:
            while not stopping.is_set():
                if heartbeat_file:
                    Path(heartbeat_file).touch()
                close_old_connections()
                try:
                    done = events_drain(budget_seconds=5, consumer=name)
                except (*REDIS_DOWN, *DATABASE_DOWN) as exc:
                    backoff = min(settings.SECKILL_CONSUMER_MAX_BACKOFF, max(1.0, backoff * 2))
                    log_throttled(
                        "seckill-consumer",
                        logging.ERROR,
                        "seckill consumer %s waits for %s (next try in %.0f s): %s",
                        name,
                        "redis" if isinstance(exc, REDIS_DOWN) else "the database",
                        backoff,
                        exc,
                    )
                    if isinstance(exc, DATABASE_DOWN):
                        connections.close_all()  # a broken connection is not reused
                    stopping.wait(backoff)
                    continue
                if backoff:
                    logger.warning("seckill consumer %s consuming again", name)
                    backoff = 0.0
                if once and not done:
                    break
                if not done:
                    stopping.wait(idle)
        except KeyboardInterrupt:
            pass
