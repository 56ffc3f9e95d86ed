"""Checkout: the selected cart lines become an order in one transaction.

Stock is taken through the stock ledger per SKU in id order with conditional updates (a
shortfall rolls everything back and names the SKU); prices are read under those row locks;
items and the address are snapshotted. Side effects (cart cleanup, the pay countdown, the
notification) run after commit, each on its own.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import regions
from accounts.models import Address
from carts.keys import user_cart_key
from carts.pricing import AUTO, ITEMS, Quote, price_line, price_prepare, price_quote
from carts.pricing.shipping import shipping_shares
from carts.selectors import cart_view
from carts.services import cart_remove
from catalog.models import Sku, StockReason
from config.exceptions import ApplicationError
from config.logs import log_bind
from config.metrics import count_order
from config.oncommit import after_commit
from delivery.selectors import slots_offered
from delivery.services import slot_book
from orders import notes
from orders.errors import (
    ItemUnavailable,
    NotDelivered,
    NothingToCheckOut,
    OutOfStock,
    PriceChanged,
)
from orders.models import (
    ActorType,
    Order,
    OrderDiscount,
    OrderEvent,
    OrderItem,
    OrderItemDiscount,
    OrderStatus,
)
from orders.services.delivery import (
    address_of,
    address_snapshot,
    checkout_local_area,
    checkout_pickup_point,
    local_fields,
    pickup_fields,
)
from orders.services.effects import notify_after_commit, schedule_close
from orders.stock_sources import stock_take_lines

logger = logging.getLogger(__name__)

S = OrderStatus
# A new order number is 14 digits of local time and 8 random ones; two orders in the same
# second clash with odds of one in 10^8, so a second try practically always succeeds.
ORDER_NO_ATTEMPTS = 3


def _new_order_no() -> str:
    """Time-ordered and not guessable: local time to the second + 8 random digits."""
    return timezone.localtime().strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**8):08d}"


def checkout_lines(
    *, user, coupon=AUTO, points=None, address=None, pickup=None, local=None
) -> dict:
    """The cart lines selected for checkout, priced with ``coupon`` (the best that applies
    unless told), ``points`` (a number, ALL_POINTS, or none) and shipping to ``address``
    (None: an estimate); raises when nothing can be bought."""
    cart = cart_view(
        key=user_cart_key(user.pk),
        user=user,
        coupon=coupon,
        points=points,
        address=address,
        pickup=pickup,
        local=local,
    )
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
    coupon=None,
    points=None,
    pickup_point_id: int | None = None,
    local_delivery: bool = False,
    slot_id: int | None = None,
    slot_date=None,
) -> tuple[Order, bool]:
    """Turn the selected cart lines into an order, priced by the engine with ``coupon`` (a
    coupon id of the shopper's, None for none) and ``points`` (how many to pay with: a
    number, ALL_POINTS, or None for none; the order holds them); returns (order, created).
    With ``pickup_point_id`` the shopper collects it there (the point's fee instead of
    shipping; the address gives the receiver and phone) in the slot ``slot_id`` on
    ``slot_date``, whose place the order holds; with ``local_delivery`` the shop brings it to
    the address itself (its local area's fee) in that slot.

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
            coupon=coupon,
            points=points,
            pickup_point_id=pickup_point_id,
            local_delivery=local_delivery,
            slot=(slot_id, slot_date) if slot_id is not None else None,
        )
    except (ApplicationError, ValidationError, IntegrityError):
        # A concurrent submit with the same key may have committed meanwhile (and emptied the
        # cart or won the unique key): its order is the answer to this submit too.
        existing = earlier_order()
        if existing:
            return existing, False
        raise
    return order, True


@dataclass(frozen=True)
class OrderLine:
    """One line of a new order. ``unit_price`` None charges the SKU's price, read under the
    stock lock; ``stock_source`` names where the units come from (orders.stock_sources)."""

    sku_id: int
    quantity: int
    unit_price: Decimal | None = None
    stock_source: str = ""
    image: str | None = None  # the picture's URL, "" for none; None: the product's first
    # The SKU with its product, for the item's snapshot, when the caller read it already
    # (the flash-sale consumer reads its event's once per batch); None reads it here.
    sku: Sku | None = None

    def __post_init__(self):
        if self.sku is not None and self.unit_price is None:
            raise ValueError("a line that brings its SKU gives its price too")


def _order_create_checked(
    *,
    user,
    address_id,
    remark,
    idempotency_key,
    expected_total,
    source,
    coupon,
    points,
    pickup_point_id,
    local_delivery,
    slot,
) -> Order:
    address = address_of(user, address_id)
    pickup = checkout_pickup_point(pickup_point_id=pickup_point_id)
    local = checkout_local_area(address=address, wanted=local_delivery and pickup is None)
    if pickup is not None and slot is None and slots_offered(point=pickup):
        raise ValidationError({"slot": [_("Choose when you will collect the order.")]})
    if local is not None and slot is None and slots_offered():
        raise ValidationError({"slot": [_("Choose when the order should arrive.")]})
    if pickup is None and local is None:
        slot = None  # slots are for pickup and local delivery: a parcel ignores one
    remark = (remark or "").strip()
    if len(remark) > 200:
        raise ValidationError({"remark": [_("At most 200 characters.")]})
    chosen = checkout_lines(user=user, coupon=None)["lines"]
    lines = [
        OrderLine(sku_id=line["sku_id"], quantity=line["quantity"], image=line["image"] or "")
        for line in chosen
    ]
    cart_key = user_cart_key(user.pk)
    sku_ids = [line.sku_id for line in lines]
    return _order_create_numbered(
        user=user,
        lines=lines,
        address=address,
        remark=remark,
        idempotency_key=idempotency_key,
        expected_total=expected_total,
        source=source,
        pay_timeout=settings.ORDER_PAY_TIMEOUT,
        shipping=None,
        coupon=coupon,
        points=points,
        pickup=pickup,
        local=local,
        slot=slot,
        also_after_commit=[lambda: cart_remove(key=cart_key, sku_ids=sku_ids)],
    )


def order_create_from_lines(
    *,
    user,
    lines: list[OrderLine],
    source: str,
    idempotency_key: str,
    pay_timeout: int,
    address: Address | None = None,
    shipping: Decimal | None = None,
    also_write: Callable[[Order], object] | None = None,
    look_up_first: bool = True,
) -> tuple[Order, bool]:
    """An order from given lines, without a cart (the flash-sale worker); returns (order,
    created). Units are taken from each line's stock source in the same transaction, a
    shortfall raising OutOfStock with nothing written; a repeated ``idempotency_key`` returns
    the order made before. Without ``address`` the order waits for one before it is paid;
    ``shipping`` None charges the usual fee.

    ``also_write(order)`` writes the caller's rows in the order's transaction (an exception
    rolls the order back). A caller that already knows the key is new (the consumer reads a
    batch's admissions at once) passes ``look_up_first=False`` to save the lookup; a repeat
    still makes no second order (the unique key refuses it), but may then meet a shortfall
    before it meets the order made before."""
    if look_up_first:
        existing = Order.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if existing:
            return existing, False
    try:
        order = _order_create_numbered(
            user=user,
            lines=lines,
            address=address,
            remark="",
            idempotency_key=idempotency_key,
            expected_total=None,
            source=source,
            pay_timeout=pay_timeout,
            shipping=shipping,
            coupon=None,
            points=None,
            pickup=None,
            local=None,
            slot=None,
            also_after_commit=[],
            also_write=also_write,
        )
    except IntegrityError:
        existing = Order.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if existing:  # a concurrent call with the same key won
            return existing, False
        raise
    return order, True


def _order_create_numbered(*, also_after_commit, also_write=None, **fields) -> Order:
    # The price stages' reads (rules, the shopper's coupons) before any row is locked: the
    # locked part prices from these and the SKU rows it holds.
    prepared = price_prepare(user=fields["user"], coupon=fields["coupon"])
    for attempt in range(ORDER_NO_ATTEMPTS):
        order_no = _new_order_no()
        try:
            with transaction.atomic():
                order = _order_create(order_no=order_no, prepared=prepared, **fields)
                log_bind(order_no=order_no)
                if also_write is not None:
                    also_write(order)
                # Each side effect on its own: a failing one is logged and skips nothing.
                for effect in also_after_commit:
                    after_commit(effect)
                schedule_close(order)
                notify_after_commit(order.pk, "created")
                count_order("created", order.source)
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
    *,
    order_no,
    user,
    address,
    lines,
    remark,
    idempotency_key,
    expected_total,
    source,
    pay_timeout,
    shipping,
    coupon,
    points,
    pickup,
    local,
    slot,
    prepared,
) -> Order:
    sources = stock_take_lines(
        lines=[(line.stock_source, line.sku_id, line.quantity) for line in lines],
        reason=StockReason.ORDER,
        reference=order_no,
        actor=user,
    )
    # Our UPDATEs hold these rows: the prices read now are the prices charged. A line that
    # brings its SKU gives its price (the snapshot's price is never charged).
    skus = {line.sku_id: line.sku for line in lines if line.sku is not None}
    missing = [line.sku_id for line in lines if line.sku is None]
    if missing:
        read = Sku.objects.filter(pk__in=missing).select_related("product", "product__category")
        skus |= {sku.pk: sku for sku in read}
    lines = sorted(lines, key=lambda line: line.sku_id)
    quote = price_quote(
        lines=[
            price_line(
                skus[line.sku_id],
                line.quantity,
                unit_price=line.unit_price,
                stock_source=line.stock_source,
            )
            for line in lines
        ],
        user=user,
        coupon=coupon,
        points=points,
        address=address,
        pickup=pickup,
        local=local,
        shipping=shipping,
        prepared=prepared,
    )
    if expected_total is not None and expected_total != quote.total:
        raise PriceChanged(errors={"expected_total": [str(quote.total)]})
    if quote.undeliverable:
        refused = [skus[lines[i].sku_id] for i in quote.undeliverable]
        raise NotDelivered(
            _("%(items)s: not delivered to %(region)s.")
            % {
                "items": "、".join(sku.product.name for sku in refused),
                "region": regions.place_name(address.region_code, levels=slice(2)),
            },
            errors={"sku_id": [str(sku.pk) for sku in refused]},
        )
    shipping_parts = shipping_shares(quote)
    items = []
    for i, (line, priced) in enumerate(zip(lines, quote.lines, strict=True)):
        sku = skus[line.sku_id]
        items.append(
            OrderItem(
                sku=sku,
                product=sku.product,
                product_name=sku.product.name,
                sku_code=sku.code,
                sku_attributes=sku.ordered_attributes(),
                sku_options=sku.attributes_label[:300],
                image_url=_first_image_url(sku) if line.image is None else line.image,
                unit_price=priced.unit_price,
                quantity=line.quantity,
                line_total=priced.gross,
                discount_amount=priced.discount,
                paid_amount=priced.net,
                shipping_amount=shipping_parts.get(i, Decimal("0.00")),
                stock_source=sources[(line.stock_source, line.sku_id)],
            )
        )
    now = timezone.now()
    # The slot's place first: a full slot refuses the order before anything else is written.
    booking = slot_book(slot_id=slot[0], date=slot[1], order_no=order_no) if slot else None
    order = Order.objects.create(
        order_no=order_no,
        user=user,
        status=S.PENDING_PAYMENT,
        items_amount=quote.items_amount,
        discount_amount=quote.discount_amount,
        shipping_fee=quote.shipping_fee,
        total_amount=quote.total,
        remark=remark,
        # A pickup order's place is its point's (over the address's).
        **(address_snapshot(address) | pickup_fields(pickup, booking)),
        **local_fields(local, booking),
        source=source,
        idempotency_key=idempotency_key or "",
        pay_deadline=now + timedelta(seconds=pay_timeout),
    )
    for item in items:
        item.order = order
    OrderItem.objects.bulk_create(items)
    _discounts_write(order, items, quote)
    # A coupon held by this order, the points it spends … (one lost rolls the order back).
    for hold in quote.holds:
        hold(order)
    OrderEvent.objects.create(
        order=order,
        from_status="",
        to_status=S.PENDING_PAYMENT,
        actor=user,
        actor_type=ActorType.SHOPPER,
        note_key=notes.PLACED,
    )
    return order


def _discounts_write(order: Order, items: list[OrderItem], quote: Quote) -> None:
    """The quote's discounts, and each line's share of them, as rows of the order."""
    if not quote.discounts:
        return
    rows = OrderDiscount.objects.bulk_create(
        OrderDiscount(
            order=order,
            stage=d.stage,
            kind=d.kind,
            source=d.source,
            label=d.label[:200],
            amount=d.amount,
            target=d.target,
            details=d.details,
        )
        for d in quote.discounts
    )
    OrderItemDiscount.objects.bulk_create(
        OrderItemDiscount(item=items[i], discount=row, amount=share)
        for d, row in zip(quote.discounts, rows, strict=True)
        if d.target == ITEMS
        for i, share in d.lines.items()
    )


def _first_image_url(sku) -> str:
    image = sku.product.images.first()
    return (image.thumbnail or image.image).url if image else ""
