"""The flash-sale consumer as its own process: admissions become orders the moment they
arrive (beat's 2-second drain is the backstop). Stop it with Ctrl-C or SIGTERM; an entry it
was working on stays pending and another consumer reclaims it."""

import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from seckill.services import events_drain
from seckill.services.consumer import consumer_name


class Command(BaseCommand):
    help = "Turn queued flash-sale admissions into orders, continuously."

    def add_arguments(self, parser):
        parser.add_argument("--idle", type=float, default=0.05, help="seconds between polls")
        parser.add_argument(
            "--once", action="store_true", help="drain what is queued now, then exit"
        )
        # Each order waits on PostgreSQL (its commit) more than it computes: a few threads,
        # each its own consumer in the group with its own connection, overlap those waits.
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, idle, once, threads, **options):
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        names = [f"{consumer_name()}-{index}" for index in range(max(1, threads))]
        self.stdout.write(f"seckill consumers {', '.join(names)} running")
        workers = [
            threading.Thread(target=self.consume, args=(name, idle, once, stopping), daemon=True)
            for name in names
        ]
        for worker in workers:
            worker.start()
        try:
            while any(worker.is_alive() for worker in workers):
                time.sleep(0.2)
        except KeyboardInterrupt:
            stopping.set()
        for worker in workers:
            worker.join()

    @staticmethod
    def consume(name, idle, once, stopping):
        try:
            while not stopping.is_set():
                close_old_connections()
                done = events_drain(budget_seconds=5, consumer=name)
                if once and not done:
                    break
                if not done:
                    stopping.wait(idle)
        finally:
            connection.close()  # this thread's own
