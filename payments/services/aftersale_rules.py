"""After-sales rules: which request an order may take, what may still be returned or
refunded, and the checks on a request's amount, photos and items (before anything is
written)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.services import image_validate
from orders.models import Order, OrderStatus
from payments.errors import AfterSaleInvalid
from payments.models import AfterSaleItem, AfterSaleKind, AfterSaleStatus

A = AfterSaleStatus
MAX_PHOTOS = 3
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}


def aftersale_kind_allowed(order: Order, *, now=None) -> str | None:
    """Which request this order may take now: "refund", "return" or None."""
    now = now or timezone.now()
    if order.total_amount - order.refunded_amount <= 0:
        return None
    if order.status == OrderStatus.PAID:
        return AfterSaleKind.REFUND
    if order.status == OrderStatus.SHIPPED:
        return AfterSaleKind.RETURN
    window = timedelta(days=settings.AFTERSALE_DAYS)
    if (
        order.status == OrderStatus.COMPLETED
        and order.completed_at
        and now <= order.completed_at + window
    ):
        return AfterSaleKind.RETURN
    return None


def returnable_quantities(order: Order) -> dict[int, int]:
    """{order item id: how many may still be returned} (those in live or finished returns
    are taken; rejected and withdrawn ones give theirs back)."""
    taken = dict(
        AfterSaleItem.objects.filter(request__order=order)
        .exclude(request__status__in=[A.REJECTED, A.WITHDRAWN])
        .values("order_item")
        .annotate(n=Sum("quantity"))
        .values_list("order_item", "n")
    )
    return {item.pk: item.quantity - taken.get(item.pk, 0) for item in order.items.all()}


def amount_parse(value) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise AfterSaleInvalid(errors={"amount": [_("Enter an amount.")]}) from exc
    if not amount.is_finite() or amount <= 0:
        raise AfterSaleInvalid(errors={"amount": [_("Enter an amount above zero.")]})
    return amount


def photos_validate(photos) -> None:
    if len(photos) > MAX_PHOTOS:
        raise AfterSaleInvalid(errors={"photos": [_("At most %(n)d photos.") % {"n": MAX_PHOTOS}]})
    for photo in photos:
        try:
            image_validate(photo, limit=settings.AFTERSALE_PHOTO_MAX_BYTES, formats=PHOTO_FORMATS)
        except ValidationError as exc:
            raise AfterSaleInvalid(errors={"photos": exc.messages}) from exc


def return_lines(order: Order, items: dict) -> dict[int, int]:
    left = returnable_quantities(order)
    lines = {}
    for item_id, quantity in items.items():
        try:
            item_id, quantity = int(item_id), int(quantity)
        except (TypeError, ValueError) as exc:
            raise AfterSaleInvalid(errors={"items": [_("Choose the items to return.")]}) from exc
        if quantity == 0:
            continue
        if item_id not in left or not 0 < quantity <= left[item_id]:
            raise AfterSaleInvalid(
                errors={"items": [_("You cannot return more than you received.")]}
            )
        lines[item_id] = quantity
    if not lines:
        raise AfterSaleInvalid(errors={"items": [_("Choose the items to return.")]})
    return lines
