"""Flash-sale events for the tests: a draft, or one on sale now with its gate warmed."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from catalog.tests.factories import make_product
from seckill.models import EventStatus, SeckillEvent
from seckill.services import event_publish, event_warm_up


def make_event(
    *, stock=50, allocated=20, starts_in=timedelta(hours=1), hours=1, limit=1, price="9.90"
) -> SeckillEvent:
    sku = make_product(skus=[{"attributes": {"colour": "red"}, "stock": stock}]).skus.get()
    start = timezone.now() + starts_in
    return SeckillEvent.objects.create(
        sku=sku,
        title="限时秒杀",
        flash_price=Decimal(price),
        allocated=allocated,
        per_user_limit=limit,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
    )


def live_event(*, allocated=10, stock=None, limit=1, warm=True) -> SeckillEvent:
    """Published, started a minute ago, running, and (``warm``) loaded into Redis."""
    event = make_event(
        stock=stock if stock is not None else allocated + 5,
        allocated=allocated,
        starts_in=timedelta(minutes=-1),
        limit=limit,
    )
    event_publish(event_id=event.pk)
    SeckillEvent.objects.filter(pk=event.pk).update(status=EventStatus.RUNNING)
    if warm:
        event_warm_up(event_id=event.pk)
    return SeckillEvent.objects.get(pk=event.pk)
