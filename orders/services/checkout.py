"""Checkout: the selected cart lines become an order in one transaction.

Stock is taken through the stock ledger per SKU in id order with conditional updates (a
shortfall rolls everything back and names the SKU); prices are read under those row locks;
items and the address are snapshotted. Side effects (cart cleanup, the pay countdown, the
notification) run after commit, each on its own.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Address
from carts.keys import user_cart_key
from carts.pricing import shipping_fee
from carts.selectors import cart_view
from carts.services import cart_remove
from catalog.errors import InsufficientStock
from catalog.models import Sku, StockReason
from catalog.services import stock_take_many
from config.exceptions import ApplicationError
from config.oncommit import after_commit
from orders.errors import ItemUnavailable, NothingToCheckOut, OutOfStock, PriceChanged
from orders.models import ActorType, Order, OrderEvent, OrderItem, OrderStatus
from orders.services.transitions import notify_after_commit

logger = logging.getLogger(__name__)

S = OrderStatus
# A new order number is 14 digits of local time and 8 random ones; two orders in the same
# second clash with odds of one in 10^8, so a second try practically always succeeds.
ORDER_NO_ATTEMPTS = 3


def _new_order_no() -> str:
    """Time-ordered and not guessable: local time to the second + 8 random digits."""
    return timezone.localtime().strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**8):08d}"


def checkout_lines(*, user) -> dict:
    """The cart lines selected for checkout, with totals; raises when nothing can be bought."""
    cart = cart_view(key=user_cart_key(user.pk))
    chosen = [line for line in cart["lines"] if line["selected"]]
    if not chosen:
        raise NothingToCheckOut()
    for line in chosen:
        if line["issue"]:
            name = f"{line['name']} {line['attributes_label']}".strip() or str(line["sku_id"])
            error = (
                OutOfStock
                if line["issue"] in ("out_of_stock", "insufficient_stock")
                else ItemUnavailable
            )
            raise error(
                _("%(item)s: %(problem)s") % {"item": name, "problem": error.default_message},
                errors={"sku_id": [str(line["sku_id"])]},
            )
    return {**cart, "lines": chosen}


def order_create_from_cart(
    *,
    user,
    address_id: int,
    remark: str = "",
    idempotency_key: str | None = None,
    expected_total: Decimal | None = None,
    source: str = "web",
) -> tuple[Order, bool]:
    """Turn the selected cart lines into an order; returns (order, created).

    One transaction: stock is taken per SKU in id order with conditional updates (any
    shortfall rolls everything back and names the SKU), prices are read under those row
    locks, items and the address are snapshotted. A repeated ``idempotency_key`` returns the
    order it made before, never a second one, however the repeats interleave.
    """

    def earlier_order() -> Order | None:
        if not idempotency_key:
            return None
        return Order.objects.filter(user=user, idempotency_key=idempotency_key).first()

    existing = earlier_order()
    if existing:
        return existing, False
    try:
        order = _order_create_checked(
            user=user,
            address_id=address_id,
            remark=remark,
            idempotency_key=idempotency_key,
            expected_total=expected_total,
            source=source,
        )
    except (ApplicationError, ValidationError, IntegrityError):
        # A concurrent submit with the same key may have committed meanwhile (and emptied the
        # cart or won the unique key): its order is the answer to this submit too.
        existing = earlier_order()
        if existing:
            return existing, False
        raise
    return order, True


def _order_create_checked(
    *, user, address_id, remark, idempotency_key, expected_total, source
) -> Order:
    address = Address.objects.filter(user=user, pk=address_id).first()
    if address is None:
        raise ValidationError({"address_id": [_("Choose one of your addresses.")]})
    remark = (remark or "").strip()
    if len(remark) > 200:
        raise ValidationError({"remark": [_("At most 200 characters.")]})
    lines = checkout_lines(user=user)["lines"]
    quantities = {line["sku_id"]: line["quantity"] for line in lines}
    cart_key = user_cart_key(user.pk)
    for attempt in range(ORDER_NO_ATTEMPTS):
        order_no = _new_order_no()
        try:
            with transaction.atomic():
                order = _order_create(
                    order_no=order_no,
                    user=user,
                    address=address,
                    lines=lines,
                    quantities=quantities,
                    remark=remark,
                    idempotency_key=idempotency_key,
                    expected_total=expected_total,
                    source=source,
                )
                # Each side effect on its own: a failing one is logged and skips nothing.
                after_commit(lambda: cart_remove(key=cart_key, sku_ids=list(quantities)))
                schedule_close(order)
                notify_after_commit(order.pk, "created")
            return order
        except IntegrityError:
            # The whole order rolled back, stock included. Only a clash of order numbers
            # (random digits within one second) is worth another try.
            if (
                attempt + 1 == ORDER_NO_ATTEMPTS
                or not Order.objects.filter(order_no=order_no).exists()
            ):
                raise
            logger.warning("order number %s collided; retrying with a new one", order_no)
    raise AssertionError("unreachable")  # the loop returns or raises


def _order_create(
    *, order_no, user, address, lines, quantities, remark, idempotency_key, expected_total, source
) -> Order:
    try:
        stock_take_many(
            quantities=quantities, reason=StockReason.ORDER, reference=order_no, actor=user
        )
    except InsufficientStock as exc:
        raise OutOfStock(exc.message, errors=exc.errors) from exc
    # Our UPDATEs hold these rows: the prices read now are the prices charged.
    skus = {sku.pk: sku for sku in Sku.objects.filter(pk__in=quantities).select_related("product")}
    by_sku = {line["sku_id"]: line for line in lines}
    items = []
    for sku_id in sorted(quantities):
        sku, quantity = skus[sku_id], quantities[sku_id]
        items.append(
            OrderItem(
                sku=sku,
                product=sku.product,
                product_name=sku.product.name,
                sku_code=sku.code,
                sku_attributes=sku.ordered_attributes(),
                image_url=by_sku[sku_id]["image"] or "",
                unit_price=sku.price,
                quantity=quantity,
                line_total=sku.price * quantity,
            )
        )
    items_amount = sum((item.line_total for item in items), Decimal("0.00"))
    fee = shipping_fee(items_amount)
    total = items_amount + fee
    if expected_total is not None and expected_total != total:
        raise PriceChanged(errors={"expected_total": [str(total)]})
    now = timezone.now()
    order = Order.objects.create(
        order_no=order_no,
        user=user,
        status=S.PENDING_PAYMENT,
        items_amount=items_amount,
        shipping_fee=fee,
        total_amount=total,
        remark=remark,
        receiver_name=address.receiver,
        receiver_phone=address.phone,
        province=address.province,
        city=address.city,
        district=address.district,
        detail=address.detail,
        postal_code=address.postal_code,
        source=source,
        idempotency_key=idempotency_key or "",
        pay_deadline=now + timedelta(seconds=settings.ORDER_PAY_TIMEOUT),
    )
    for item in items:
        item.order = order
    OrderItem.objects.bulk_create(items)
    OrderEvent.objects.create(
        order=order,
        from_status="",
        to_status=S.PENDING_PAYMENT,
        actor=user,
        actor_type=ActorType.SHOPPER,
        note=_("Order placed"),
    )
    return order


def schedule_close(order: Order) -> None:
    """After commit, a countdown task that closes the order if it is still unpaid.

    If the broker is down the failure is logged and the order stands: the minute sweep
    (beat, or the in-process scheduler in embedded mode) closes it on time anyway.
    """
    from orders.tasks import order_close_overdue_task

    countdown = max(0, int((order.pay_deadline - timezone.now()).total_seconds()) + 1)
    after_commit(lambda: order_close_overdue_task.apply_async(args=[order.pk], countdown=countdown))
