"""After-sales (售后): the shopper asks, the merchant decides, the money goes back.

- Refund only (仅退款): on a paid order not yet shipped. Approval pays the refund out.
- Return and refund (退货退款): on a shipped or completed order, within AFTERSALE_DAYS of
  its completion. Approval asks for the goods; the shopper gives the return carrier and
  tracking number; the merchant confirms the goods arrived, the stock comes back through
  the ledger, and the refund is paid out.
- Automatic: money that arrived for a cancelled order goes back with no merchant step.

While a request is open the order is "refunding"; a rejection or withdrawal puts it back
where it was. When a refund succeeds the order records the amount; a full refund makes it
"refunded" (and an order that never shipped gives all its stock back). The order's state
and its stock change only through orders' services (orders.services.refunds); the money
goes back as a Refund (payments.services.refunds).

A request changes state only through ``_move``: a conditional UPDATE over TRANSITIONS that
writes an AfterSaleEvent and tells the shopper and the merchants, so racing callers (two
approval clicks) change it once.
"""

from __future__ import annotations

import logging
import secrets
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.money import money
from config.oncommit import after_commit
from config.parsing import parse_id
from delivery.models import ReturnAddress
from orders.errors import OrderNotFound
from orders.models import ActorType, Order
from orders.services import (
    order_items_returned,
    order_lock,
    order_refund_back,
    order_refund_goods_left,
    order_refund_open,
    order_refund_record,
    order_return_cap,
)
from payments.errors import (
    AfterSaleAlreadyOpen,
    AfterSaleInvalid,
    AfterSaleNotAllowed,
    AfterSaleNotFound,
    AfterSaleStep,
)
from payments.models import (
    OPEN_STATUSES,
    AfterSaleEvent,
    AfterSaleItem,
    AfterSaleKind,
    AfterSalePhoto,
    AfterSaleReason,
    AfterSaleRequest,
    AfterSaleStatus,
    Payment,
    PaymentStatus,
)
from payments.services.aftersale_rules import (
    aftersale_kind_allowed,
    amount_parse,
    photos_validate,
    return_lines,
    returnable_quantities,
)
from payments.services.refunds import refund_open, refund_retry

logger = logging.getLogger(__name__)
A = AfterSaleStatus
TRANSITIONS: dict[str, set[str]] = {
    A.REQUESTED: {A.AWAITING_RETURN, A.REFUNDING, A.REJECTED, A.WITHDRAWN},
    A.AWAITING_RETURN: {A.RETURN_SHIPPED, A.REJECTED, A.WITHDRAWN},
    A.RETURN_SHIPPED: {A.REFUNDING, A.REJECTED},
    A.REFUNDING: {A.REFUNDED, A.REFUND_FAILED},
    A.REFUND_FAILED: {A.REFUNDING},
}
CLOSING = {A.REFUNDED, A.REJECTED, A.WITHDRAWN}


def _new_request_no() -> str:
    return "S" + timezone.localtime().strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**8):08d}"


def _lock(request_no: str) -> AfterSaleRequest:
    found = AfterSaleRequest.objects.filter(request_no=request_no).first()
    if found is None:
        raise AfterSaleNotFound()
    order_lock(order_id=found.order_id)  # the order first, then the request
    return AfterSaleRequest.objects.select_for_update().get(pk=found.pk)


def _move(
    request: AfterSaleRequest,
    to_status: str,
    *,
    actor=None,
    actor_type: str = ActorType.SYSTEM,
    note: str = "",
    fields: dict | None = None,
) -> AfterSaleRequest:
    if to_status not in TRANSITIONS.get(request.status, set()):
        raise AfterSaleStep()
    now = timezone.now()
    updates = {"status": to_status, "updated_at": now, **(fields or {})}
    if to_status in CLOSING:
        updates["closed_at"] = now
    if not AfterSaleRequest.objects.filter(pk=request.pk, status=request.status).update(**updates):
        raise AfterSaleStep()
    _event(
        request,
        to_status,
        from_status=request.status,
        actor=actor,
        actor_type=actor_type,
        note=note,
    )
    return AfterSaleRequest.objects.get(pk=request.pk)


def _event(request, to_status, *, from_status="", actor=None, actor_type, note="") -> None:
    """Write the step and, after commit, tell the shopper and the merchants about it."""
    from payments.tasks import aftersale_notify_task

    event = AfterSaleEvent.objects.create(
        request=request,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_type=actor_type,
        note=note[:500],
    )
    after_commit(lambda: aftersale_notify_task.delay(event.pk))


def _order_back(request: AfterSaleRequest, *, actor=None, actor_type=ActorType.SYSTEM) -> None:
    """The request ended without (the rest of) the money: the order is as it was."""
    if request.kind != AfterSaleKind.AUTOMATIC:
        order_refund_back(
            order_id=request.order_id,
            to_status=request.order_status_before,
            actor=actor,
            actor_type=actor_type,
            note=request.request_no,
        )


# --- The shopper -----------------------------------------------------------------------------


def aftersale_request_create(
    *,
    user,
    order_no: str,
    kind: str,
    reason_id,
    amount,
    note: str = "",
    items: dict[int, int] | None = None,
    photos: list | None = None,
) -> AfterSaleRequest:
    """Ask for a refund (``kind`` "refund") or a return (``kind`` "return", with ``items``
    {order item id: quantity}). Photos are checked before anything is written; nothing is
    kept of a request that fails."""
    photos = list(photos or [])
    photos_validate(photos)
    amount = amount_parse(amount)
    stored: list[AfterSalePhoto] = []
    try:
        with transaction.atomic():
            request = _create(user, order_no, kind, reason_id, amount, note, items or {})
            for photo in photos:
                stored.append(AfterSalePhoto.objects.create(request=request, image=photo))
    except Exception:
        for photo in stored:  # the files were written; their rows were rolled back
            photo.image.delete(save=False)
        raise
    return request


def _check_amount(order, kind, amount, lines) -> None:
    """A return pays back at most what its units cost after the order's discounts (shipping
    too when it returns everything left); a refund only is all that is left, or at most
    what is left of the goods (shipping comes back only with a full refund)."""
    left = order.total_amount - order.refunded_amount
    if kind == AfterSaleKind.RETURN:
        can_return = returnable_quantities(order)
        before = {
            item_id: quantity - can_return[item_id]
            for item_id, quantity in order.items.values_list("pk", "quantity")
        }
        left = order_return_cap(order=order, returned_before=before, lines=lines)
    if amount > left:
        raise AfterSaleInvalid(
            errors={"amount": [_("At most %(left)s can be refunded.") % {"left": money(left)}]}
        )
    goods = order_refund_goods_left(order)
    if kind == AfterSaleKind.REFUND and goods < amount < left:
        raise AfterSaleInvalid(
            errors={
                "amount": [
                    _(
                        "Shipping is refunded only with the whole order: at most %(goods)s, "
                        "or all of %(left)s."
                    )
                    % {"goods": money(goods), "left": money(left)}
                ]
            }
        )


def _create(user, order_no, kind, reason_id, amount, note, items) -> AfterSaleRequest:
    found = Order.objects.filter(order_no=order_no, user=user).first()
    if found is None:
        raise OrderNotFound()
    order = order_lock(order_id=found.pk)
    if kind not in {AfterSaleKind.REFUND, AfterSaleKind.RETURN}:
        raise AfterSaleInvalid(errors={"kind": [_("Choose refund only or return and refund.")]})
    if AfterSaleRequest.objects.filter(order=order, status__in=OPEN_STATUSES).exists():
        raise AfterSaleAlreadyOpen()
    if aftersale_kind_allowed(order) != kind:
        raise AfterSaleNotAllowed()
    reason = AfterSaleReason.objects.filter(
        pk=parse_id(reason_id) or 0,
        active=True,
        applies_to__in=[AfterSaleReason.AppliesTo.ANY, kind],
    ).first()
    if reason is None:
        raise AfterSaleInvalid(errors={"reason": [_("Choose a reason.")]})
    lines = return_lines(order, items) if kind == AfterSaleKind.RETURN else {}
    _check_amount(order, kind, amount, lines)
    for attempt in range(3):
        try:
            with transaction.atomic():
                request = AfterSaleRequest.objects.create(
                    request_no=_new_request_no(),
                    order=order,
                    user=user,
                    kind=kind,
                    reason=reason,
                    note=note.strip()[:500],
                    amount=amount,
                    order_status_before=order.status,
                )
            break
        except IntegrityError as exc:
            # A second request raced this one past the check, or (rarely) two requests
            # drew the same number in one second: then another number is tried.
            if AfterSaleRequest.objects.filter(order=order, status__in=OPEN_STATUSES).exists():
                raise AfterSaleAlreadyOpen() from exc
            if attempt == 2:
                raise
    AfterSaleItem.objects.bulk_create(
        AfterSaleItem(request=request, order_item_id=item_id, quantity=quantity)
        for item_id, quantity in lines.items()
    )
    _event(request, A.REQUESTED, actor=user, actor_type=ActorType.SHOPPER, note=note)
    order_refund_open(order_id=order.pk, actor=user, note=request.request_no)
    return request


@transaction.atomic
def aftersale_withdraw(*, request_no: str, user) -> AfterSaleRequest:
    request = _lock(request_no)
    if request.user_id != user.pk or request.kind == AfterSaleKind.AUTOMATIC:
        raise AfterSaleNotFound()
    request = _move(request, A.WITHDRAWN, actor=user, actor_type=ActorType.SHOPPER)
    _order_back(request, actor=user, actor_type=ActorType.SHOPPER)
    return request


@transaction.atomic
def aftersale_return_shipped(
    *, request_no: str, user, carrier: str, tracking_no: str
) -> AfterSaleRequest:
    """The shopper sent the goods back: which carrier, which tracking number."""
    request = _lock(request_no)
    if request.user_id != user.pk:
        raise AfterSaleNotFound()
    carrier, tracking_no = carrier.strip()[:50], tracking_no.strip()[:64]
    if not carrier or not tracking_no:
        raise AfterSaleInvalid(
            errors={"tracking_no": [_("Enter the carrier and the tracking number.")]}
        )
    return _move(
        request,
        A.RETURN_SHIPPED,
        actor=user,
        actor_type=ActorType.SHOPPER,
        note=f"{carrier} {tracking_no}",
        fields={"return_carrier": carrier, "return_tracking_no": tracking_no},
    )


# --- The merchant ----------------------------------------------------------------------------


@transaction.atomic
def aftersale_approve(
    *, request_no: str, actor, note: str = "", return_address_id: int | None = None
) -> AfterSaleRequest:
    """Refund only: the refund is paid out now. Return: the shopper is asked for the goods,
    sent to ``return_address_id`` (the default return address when None)."""
    request = _lock(request_no)
    if request.kind == AfterSaleKind.RETURN:
        addresses = ReturnAddress.objects.all()
        address = (
            addresses.filter(pk=return_address_id).first()
            if return_address_id
            else addresses.filter(is_default=True).first()
        )
        return _move(
            request,
            A.AWAITING_RETURN,
            actor=actor,
            actor_type=ActorType.MERCHANT,
            note=note,
            fields={
                "merchant_note": note[:500],
                "return_to": address.label[:300] if address else "",
            },
        )
    return _pay_out(request, actor=actor, note=note, fields={"merchant_note": note[:500]})


@transaction.atomic
def aftersale_reject(*, request_no: str, actor, note: str) -> AfterSaleRequest:
    if not note.strip():
        raise AfterSaleInvalid(errors={"note": [_("Tell the shopper why.")]})
    request = _lock(request_no)
    request = _move(
        request,
        A.REJECTED,
        actor=actor,
        actor_type=ActorType.MERCHANT,
        note=note,
        fields={"merchant_note": note[:500]},
    )
    _order_back(request, actor=actor, actor_type=ActorType.MERCHANT)
    return request


@transaction.atomic
def aftersale_goods_received(*, request_no: str, actor, note: str = "") -> AfterSaleRequest:
    """The returned goods arrived: their stock comes back, and the refund is paid out."""
    request = _lock(request_no)
    if request.status != A.RETURN_SHIPPED:
        raise AfterSaleStep()
    order_items_returned(
        order_id=request.order_id,
        quantities=dict(request.items.values_list("order_item_id", "quantity")),
        reference=request.request_no,
        actor=actor,
    )
    return _pay_out(request, actor=actor, note=note)


@transaction.atomic
def aftersale_refund_retry(
    *, request_no: str, actor, actor_type: str = ActorType.MERCHANT
) -> AfterSaleRequest:
    """A refund the provider refused goes again, with the same refund number."""
    request = _lock(request_no)
    request = _move(
        request,
        A.REFUNDING,
        actor=actor,
        actor_type=actor_type,
        fields={"refund_error": ""},
    )
    if not refund_retry(refund_no=request.refund_no):
        raise AfterSaleStep()
    return request


def _pay_out(request, *, actor, note="", fields=None) -> AfterSaleRequest:
    request = _move(
        request, A.REFUNDING, actor=actor, actor_type=ActorType.MERCHANT, note=note, fields=fields
    )
    payment = Payment.objects.filter(
        order_id=request.order_id, status=PaymentStatus.SUCCEEDED
    ).first()
    if payment is None:  # paid offline: the merchant pays it back outside the shop
        raise AfterSaleNotAllowed(_("This order was not paid online; refund it offline."))
    refund = refund_open(
        payment=payment,
        amount=request.amount,
        request_no=request.request_no,
        reason=str(request.reason or ""),
    )
    AfterSaleRequest.objects.filter(pk=request.pk).update(refund_no=refund.refund_no)
    request.refund_no = refund.refund_no
    return request


# --- What the refund's provider reports --------------------------------------------------------


def aftersale_refund_succeeded(*, request_no: str, amount: Decimal) -> None:
    """The money is back with the shopper (the refund's transaction; the order is locked).
    A partial refund keeps the order's state; a full one makes it refunded."""
    request = _lock(request_no)
    request = _move(request, A.REFUNDED)
    order_refund_record(
        order_id=request.order_id,
        amount=amount,
        back_to=request.order_status_before,
        note=request_no,
        track_state=request.kind != AfterSaleKind.AUTOMATIC,
    )


def aftersale_refund_failed(*, request_no: str, message: str) -> None:
    request = _lock(request_no)
    _move(request, A.REFUND_FAILED, note=message, fields={"refund_error": message[:300]})


def aftersale_record_automatic(*, order_id: int, amount: Decimal) -> str:
    """Money arrived for a cancelled order: a request the merchant sees, already refunding
    (the payment pipeline holds the order lock and opens the refund)."""
    order = Order.objects.get(pk=order_id)
    request = AfterSaleRequest.objects.create(
        request_no=_new_request_no(),
        order=order,
        user_id=order.user_id,
        kind=AfterSaleKind.AUTOMATIC,
        status=A.REFUNDING,
        amount=amount,
        order_status_before=order.status,
    )
    _event(request, A.REFUNDING, actor_type=ActorType.SYSTEM)
    return request.request_no
