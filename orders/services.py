"""Order writes: checkout, the state machine, stock take/return, timeouts, notifications.

Every status change goes through ``order_transition``: it checks the allowed-transition
table, updates with ``UPDATE … WHERE status = <old>`` and writes an OrderEvent. Side effects
(emails, countdown tasks, cart cleanup) run after commit.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Address
from carts.keys import user_cart_key
from carts.pricing import shipping_fee
from carts.selectors import cart_view
from carts.services import cart_remove
from catalog.errors import InsufficientStock
from catalog.models import Product, Sku
from catalog.services import sku_stock_return_many, sku_stock_take_many
from config.exceptions import ApplicationError
from orders.errors import (
    IllegalTransition,
    ItemUnavailable,
    NothingToCheckOut,
    OrderNotFound,
    OutOfStock,
    PriceChanged,
)
from orders.models import ActorType, Order, OrderEvent, OrderItem, OrderStatus

logger = logging.getLogger(__name__)

S = OrderStatus
TRANSITIONS: dict[str, set[str]] = {
    S.PENDING_PAYMENT: {S.PAID, S.CANCELLED},
    S.PAID: {S.SHIPPED, S.REFUNDING},
    S.SHIPPED: {S.COMPLETED, S.REFUNDING},
    S.REFUNDING: {S.REFUNDED, S.PAID, S.SHIPPED},
}
STAMPS = {
    S.PAID: "paid_at",
    S.SHIPPED: "shipped_at",
    S.COMPLETED: "completed_at",
    S.CANCELLED: "cancelled_at",
}


# --- The state machine ---------------------------------------------------------------------


@transaction.atomic
def order_transition(
    *,
    order_id: int,
    to_status: str,
    actor=None,
    actor_type: str = ActorType.SYSTEM,
    note: str = "",
    fields: dict | None = None,
) -> Order:
    """Move an order to ``to_status`` if allowed from its current status, exactly once.

    Raises IllegalTransition when the table forbids it or another request changed the order
    first (the conditional UPDATE then matches no row).
    """
    current = Order.objects.filter(pk=order_id).values_list("status", flat=True).first()
    if current is None:
        raise OrderNotFound()
    if to_status not in TRANSITIONS.get(current, set()):
        raise IllegalTransition(
            _("An order that is “%(current)s” cannot become “%(target)s”.")
            % {"current": S(current).label, "target": S(to_status).label}
        )
    now = timezone.now()
    updates = {"status": to_status, "updated_at": now, **(fields or {})}
    if to_status in STAMPS:
        updates[STAMPS[to_status]] = now
    if not Order.objects.filter(pk=order_id, status=current).update(**updates):
        raise IllegalTransition(_("The order was changed by someone else. Reload and retry."))
    OrderEvent.objects.create(
        order_id=order_id,
        from_status=current,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_type=actor_type,
        note=note[:300],
    )
    return Order.objects.get(pk=order_id)


def _notify_after_commit(order_id: int, kind: str) -> None:
    from orders.tasks import order_notify_task

    transaction.on_commit(lambda: order_notify_task.delay(order_id, kind))


# --- Checkout ------------------------------------------------------------------------------


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
    with transaction.atomic():
        order = _order_create(
            user=user,
            address=address,
            lines=lines,
            quantities=quantities,
            remark=remark,
            idempotency_key=idempotency_key,
            expected_total=expected_total,
            source=source,
        )
        cart_key = user_cart_key(user.pk)
        transaction.on_commit(lambda: cart_remove(key=cart_key, sku_ids=list(quantities)))
        _schedule_close(order)
        _notify_after_commit(order.pk, "created")
    return order


def _order_create(
    *, user, address, lines, quantities, remark, idempotency_key, expected_total, source
) -> Order:
    try:
        sku_stock_take_many(quantities=quantities)
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
        order_no=_new_order_no(),
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


def _schedule_close(order: Order) -> None:
    from orders.tasks import order_close_overdue_task

    countdown = max(0, int((order.pay_deadline - timezone.now()).total_seconds()) + 1)
    transaction.on_commit(
        lambda: order_close_overdue_task.apply_async(args=[order.pk], countdown=countdown)
    )


# --- Lifecycle -----------------------------------------------------------------------------


@transaction.atomic
def order_cancel(*, order_id: int, actor=None, actor_type: str, reason: str = "") -> Order:
    """Cancel an unpaid order and return its stock, exactly once however many callers race."""
    order = order_transition(
        order_id=order_id,
        to_status=S.CANCELLED,
        actor=actor,
        actor_type=actor_type,
        note=reason,
        fields={"cancel_reason": reason[:200]},
    )
    quantities: dict[int, int] = {}
    for sku_id, quantity in order.items.exclude(sku=None).values_list("sku_id", "quantity"):
        quantities[sku_id] = quantities.get(sku_id, 0) + quantity
    sku_stock_return_many(quantities=quantities)
    _notify_after_commit(order.pk, "cancelled")
    return order


def order_close_overdue(*, order_id: int) -> bool:
    """Cancel the order if it is still unpaid past its deadline; True if this call did it.

    Idempotent and safe to race with the sweep, the countdown task and the shopper.
    (The payments app will ask the provider whether the payment went through first.)
    """
    due = Order.objects.filter(
        pk=order_id, status=S.PENDING_PAYMENT, pay_deadline__lte=timezone.now()
    ).exists()
    if not due:
        return False
    try:
        order_cancel(order_id=order_id, actor_type=ActorType.SYSTEM, reason=_("Not paid in time"))
    except IllegalTransition:
        return False  # paid or cancelled meanwhile
    return True


def orders_close_overdue(*, limit: int = 500) -> int:
    """The sweep: close up to ``limit`` unpaid orders past their deadline; returns how many."""
    ids = list(
        Order.objects.filter(status=S.PENDING_PAYMENT, pay_deadline__lte=timezone.now())
        .order_by("pay_deadline")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(order_close_overdue(order_id=order_id) for order_id in ids)


@transaction.atomic
def order_mark_paid(
    *, order_id: int, actor=None, actor_type: str = ActorType.SYSTEM, note: str = ""
) -> Order:
    """Record payment (called by payments; merchants may mark offline payments)."""
    order = order_transition(
        order_id=order_id, to_status=S.PAID, actor=actor, actor_type=actor_type, note=note
    )
    for product_id, quantity in order.items.exclude(product=None).values_list(
        "product_id", "quantity"
    ):
        Product.objects.filter(pk=product_id).update(sales_count=F("sales_count") + quantity)
    _notify_after_commit(order.pk, "paid")
    return order


@transaction.atomic
def order_ship(*, order_id: int, carrier: str, tracking_no: str, actor=None) -> Order:
    """Ship a paid order with its carrier and tracking number."""
    carrier, tracking_no = (carrier or "").strip(), (tracking_no or "").strip()
    errors = {}
    if not carrier:
        errors["carrier"] = [_("This field is required.")]
    if not tracking_no:
        errors["tracking_no"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    order = order_transition(
        order_id=order_id,
        to_status=S.SHIPPED,
        actor=actor,
        actor_type=ActorType.MERCHANT,
        note=f"{carrier} {tracking_no}",
        fields={"carrier": carrier[:50], "tracking_no": tracking_no[:64]},
    )
    _notify_after_commit(order.pk, "shipped")
    return order


def order_confirm_receipt(*, order_id: int, user) -> Order:
    """The shopper says the parcel arrived."""
    return order_transition(
        order_id=order_id,
        to_status=S.COMPLETED,
        actor=user,
        actor_type=ActorType.SHOPPER,
        note=_("Receipt confirmed"),
    )


def orders_auto_complete(*, limit: int = 500) -> int:
    """Complete orders shipped more than ORDER_AUTO_COMPLETE_DAYS ago; returns how many."""
    cutoff = timezone.now() - timedelta(days=settings.ORDER_AUTO_COMPLETE_DAYS)
    ids = Order.objects.filter(status=S.SHIPPED, shipped_at__lte=cutoff).values_list(
        "pk", flat=True
    )[:limit]
    done = 0
    for order_id in list(ids):
        try:
            order_transition(
                order_id=order_id, to_status=S.COMPLETED, note=_("Completed automatically")
            )
            done += 1
        except IllegalTransition:
            continue
    return done
