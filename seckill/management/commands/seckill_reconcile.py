"""Rebuild the flash-sale gates in Redis from PostgreSQL (each live event whose stream is
drained; ``--force`` rebuilds even where nothing differs, e.g. after Redis lost its data)."""

from django.core.management.base import BaseCommand

from seckill.models import EventStatus, SeckillEvent
from seckill.services import event_reconcile


class Command(BaseCommand):
    help = "Rebuild the flash-sale gates in Redis from PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, force, **options):
        live = SeckillEvent.objects.filter(status__in=[EventStatus.PUBLISHED, EventStatus.RUNNING])
        for event in live.order_by("pk"):
            outcome = event_reconcile(event_id=event.pk, force=force)
            self.stdout.write(f"{event.pk} {event.title}: {outcome}")
