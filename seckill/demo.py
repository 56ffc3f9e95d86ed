"""Demo flash sales for today: one on now, and the day's later sessions (10:00, 14:00,
20:00, 22:00 that are still ahead). Idempotent: a day that has events gets no more."""

from datetime import datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from catalog.models import ProductStatus, Sku
from seckill.models import SeckillEvent
from seckill.services import event_publish, events_advance

SESSIONS = (10, 14, 20, 22)


def seed(stdout) -> None:
    now = timezone.localtime()
    today = now.date()
    start_of_day = timezone.make_aware(datetime.combine(today, time.min))
    if SeckillEvent.objects.filter(
        starts_at__gte=start_of_day, starts_at__lt=start_of_day + timedelta(days=1)
    ).exists():
        return
    skus = list(
        Sku.objects.filter(is_active=True, stock__gte=40, product__status=ProductStatus.ON_SALE)
        .select_related("product")
        .order_by("product__pk", "pk")[:40:5]
    )
    if not skus:
        return
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    starts = [(this_hour, 10)] + [
        (timezone.make_aware(datetime.combine(today, time(hour))), 20)
        for hour in SESSIONS
        if timezone.make_aware(datetime.combine(today, time(hour))) > now
    ]
    made = 0
    for index, (start, units) in enumerate(starts):
        for sku in skus[index * 2 : index * 2 + 2]:
            price = (sku.price * Decimal("0.3")).quantize(Decimal("1"), ROUND_DOWN) + Decimal(
                "0.90"
            )
            event = SeckillEvent.objects.create(
                sku=sku,
                title=f"{sku.product.name} 限时秒杀",
                flash_price=price,
                allocated=units,
                per_user_limit=1,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
            )
            event_publish(event_id=event.pk)
            made += 1
    events_advance()
    stdout.write(f"flash sales: {made} for today\n")
