"""The flash-sale consumer as its own process: admissions become orders the moment they
arrive (beat's 2-second drain is the backstop). More processes share the work through the
consumer group. Stop it with SIGTERM or Ctrl-C; an entry it was working on stays pending and
another consumer reclaims it."""

import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from seckill.services import events_drain
from seckill.services.consumer import consumer_name


class Command(BaseCommand):
    help = "Turn queued flash-sale admissions into orders, continuously."

    def add_arguments(self, parser):
        parser.add_argument("--idle", type=float, default=0.05, help="seconds between polls")
        parser.add_argument(
            "--once", action="store_true", help="drain what is queued now, then exit"
        )

    def handle(self, *args, idle, once, **options):
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        name = consumer_name()
        self.stdout.write(f"seckill consumer {name} running")
        self.stdout.flush()
        try:
            while not stopping.is_set():
                close_old_connections()
                done = events_drain(budget_seconds=5, consumer=name)
                if once and not done:
                    break
                if not done:
                    stopping.wait(idle)
        except KeyboardInterrupt:
            pass
