"""Payment reads for the merchant admin."""

from datetime import timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from payments.models import Payment, PaymentStatus, Provider


def daily_totals(*, days: int = 14) -> list[dict]:
    """Succeeded payments per day (the shop's time zone) and method, newest day first."""
    since = timezone.localdate() - timedelta(days=days - 1)
    labels = dict(Provider.choices)
    rows = (
        Payment.objects.filter(status=PaymentStatus.SUCCEEDED, paid_at__date__gte=since)
        .annotate(day=TruncDate("paid_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "provider")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("-day", "provider")
    )
    return [{**row, "provider_label": labels.get(row["provider"], row["provider"])} for row in rows]
