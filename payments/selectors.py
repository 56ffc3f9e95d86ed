"""Payment reads for the merchant admin: money in, money back, and what is left (net).

Money in is every order paid (through a gateway, or offline as the merchant marked it),
plus money that arrived without paying an order: a second payment of a paid order, or one
for an order cancelled meanwhile, which goes back automatically. Money back is every refund
that succeeded, on the day it did. So a fully refunded order, or a duplicate payment, adds
nothing to the net.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Order
from payments.models import (
    OPEN_STATUSES,
    AfterSaleRequest,
    AfterSaleStatus,
    Payment,
    PaymentStatus,
    Provider,
    Refund,
    RefundStatus,
)

OFFLINE = "offline"
# What the merchant must act on: decide a request, or retry a refund that failed.
WAITING_FOR_MERCHANT = (AfterSaleStatus.REQUESTED, AfterSaleStatus.REFUND_FAILED)


def _between(field: str, start, end) -> Q:
    return Q(**{f"{field}__gte": start}) & (Q(**{f"{field}__lt": end}) if end else Q())


def _money_in(start, end=None) -> list[dict]:
    """(day, method, count, amount) of the money that came in: orders paid, by the method
    of their payment (offline when none), and payments that paid no order."""
    zone = timezone.get_current_timezone()
    method = Payment.objects.filter(order=OuterRef("pk"), status=PaymentStatus.SUCCEEDED)
    orders = (
        Order.objects.filter(_between("paid_at", start, end))
        .annotate(
            method=Coalesce(Subquery(method.values("provider")[:1]), Value(OFFLINE)),
            day=TruncDate("paid_at", tzinfo=zone),
        )
        .values("day", "method")
        .annotate(count=Count("pk"), amount=Sum("total_amount"))
    )
    strays = (
        Payment.objects.filter(_between("paid_at", start, end), refund_due=True)
        .annotate(
            method=Coalesce("provider", Value(OFFLINE)), day=TruncDate("paid_at", tzinfo=zone)
        )
        .values("day", "method")
        .annotate(count=Count("pk"), amount=Sum("amount"))
    )
    return [*orders, *strays]


def _money_back(start, end=None) -> list[dict]:
    zone = timezone.get_current_timezone()
    return list(
        Refund.objects.filter(_between("succeeded_at", start, end), status=RefundStatus.SUCCEEDED)
        .annotate(
            day=TruncDate("succeeded_at", tzinfo=zone),
            method=Coalesce("payment__provider", Value(OFFLINE)),
        )
        .values("day", "method")
        .annotate(amount=Sum("amount"))
    )


def sales_totals(*, start: datetime, end: datetime) -> dict:
    """Money in (and how many payments brought it), refunded and net in [start, end)."""
    came = _money_in(start, end)
    gross = sum((row["amount"] for row in came), Decimal(0))
    back = sum((row["amount"] for row in _money_back(start, end)), Decimal(0))
    return {
        "payments": sum(row["count"] for row in came),
        "gross": gross,
        "refunded": back,
        "net": gross - back,
    }


def daily_totals(*, days: int = 14) -> list[dict]:
    """Per day (the shop's time zone) and method, newest day first: payments, money in,
    refunded and net."""
    zone = timezone.get_current_timezone()
    since = timezone.localdate() - timedelta(days=days - 1)
    start = datetime.combine(since, datetime.min.time(), tzinfo=zone)
    labels = {**dict(Provider.choices), OFFLINE: _("Offline (marked by the merchant)")}
    rows: dict[tuple, dict] = {}

    def row(day, method) -> dict:
        return rows.setdefault(
            (day, method),
            {
                "day": day,
                "provider": method,
                "count": 0,
                "amount": Decimal(0),
                "refunded": Decimal(0),
            },
        )

    for came in _money_in(start):
        entry = row(came["day"], came["method"])
        entry["count"] += came["count"]
        entry["amount"] += came["amount"]
    for back in _money_back(start):
        row(back["day"], back["method"])["refunded"] += back["amount"]
    return [
        {
            **entry,
            "provider_label": labels.get(entry["provider"], entry["provider"]),
            "net": entry["amount"] - entry["refunded"],
        }
        for entry in sorted(rows.values(), key=lambda r: (-r["day"].toordinal(), r["provider"]))
    ]


def aftersale_counts() -> dict:
    """The after-sales queue as the dashboard shows it: requests waiting for the merchant,
    and returns on their way back (one query)."""
    return AfterSaleRequest.objects.aggregate(
        waiting=Count("pk", filter=Q(status__in=WAITING_FOR_MERCHANT)),
        returns_coming=Count("pk", filter=Q(status=AfterSaleStatus.RETURN_SHIPPED)),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
    )


def order_refunds(*, order_id: int) -> dict:
    """An order's after-sales requests and refunds, for its admin page."""
    return {
        "requests": list(
            AfterSaleRequest.objects.filter(order_id=order_id).order_by("created_at", "pk")
        ),
        "refunds": list(
            Refund.objects.filter(payment__order_id=order_id)
            .select_related("payment")
            .order_by("created_at", "pk")
        ),
    }
