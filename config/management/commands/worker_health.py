"""The worker container's health check: exit 0 once a Celery worker answers a ping."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.health import broker_check


class Command(BaseCommand):
    help = "Exit non-zero when no Celery worker answers a ping within --timeout seconds."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=5.0)
        parser.add_argument(
            "--worker", help="ping this worker only (its node name, e.g. celery@host)"
        )

    def handle(self, *args, timeout, worker, **options):
        from config.celery import app

        if settings.CELERY_BROKER_URL.startswith("memory://"):
            self.stdout.write("embedded mode: tasks run inline, there is no worker to ping")
            return
        if broker_check() != "ok":
            raise CommandError("no worker answered: the broker is unreachable")
        replies = app.control.ping(destination=[worker] if worker else None, timeout=timeout)
        names = sorted(name for reply in replies for name in reply)
        if not names:
            raise CommandError(f"no worker answered a ping within {timeout:g} s")
        self.stdout.write(f"{len(names)} worker(s) answered: {', '.join(names)}")
