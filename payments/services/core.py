"""Payment writes: start a payment, record and process notifications, settle before cancel.

Locks are taken through one helper per model and always payment first, then order, so two
workers processing notifications of one order never deadlock.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from decimal import Decimal

import redis
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.logs import log_bind
from config.metrics import (
    NOTIFICATIONS_REFUSED_UNSTORED,
    NOTIFICATIONS_REJECTED,
    PAYMENTS,
    count_after_commit,
    provider_label,
)
from config.oncommit import after_commit
from config.ratelimit import rate_limit_hit
from orders import notes
from orders.errors import AddressRequired, SettleIncomplete
from orders.models import Order, OrderStatus
from orders.services import order_lock, order_mark_paid
from payments.errors import (
    GatewayRefused,
    OrderAlreadyPaid,
    PaymentNotAllowed,
    ProviderUnavailable,
    UnknownProvider,
)
from payments.models import (
    AfterSaleRequest,
    NotificationOutcome,
    Payment,
    PaymentNotification,
    PaymentStatus,
    ReconciliationRun,
    Refund,
    RefundStatus,
)
from payments.providers import enabled_providers, get_provider
from payments.providers.base import (
    Checkout,
    Notification,
    RefundOutcome,
    RefundState,
    TradeSettled,
    TradeState,
)
from payments.services.refunds import refund_apply, refund_open

logger = logging.getLogger(__name__)
P = PaymentStatus
PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    P.PENDING: {P.SUCCEEDED, P.FAILED, P.CLOSED},
    # A gateway may report success after our close raced it: the money is real.
    P.CLOSED: {P.SUCCEEDED},
    P.FAILED: {P.SUCCEEDED},
}


def _new_payment_no() -> str:
    return "P" + timezone.localtime().strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**8):08d}"


def payment_lock(*, payment_id: int) -> Payment:
    """The one way to lock a payment row; its order, if needed, is locked after it."""
    return Payment.objects.select_for_update().get(pk=payment_id)


def notification_lock(*, notification_id: int) -> PaymentNotification | None:
    """The one way to lock a stored notification (it is processed once, under its lock)."""
    return PaymentNotification.objects.select_for_update().filter(pk=notification_id).first()


def payment_transition(*, payment_id: int, to_status: str, fields: dict | None = None) -> bool:
    """Move a payment to ``to_status`` if the table allows it from its current status; True
    if this call did it (a conditional UPDATE, so racing callers cannot both win)."""
    row = Payment.objects.filter(pk=payment_id).values_list("status", "provider").first()
    if row is None or to_status not in PAYMENT_TRANSITIONS.get(row[0], set()):
        return False
    current, provider = row
    updates = {"status": to_status, "updated_at": timezone.now(), **(fields or {})}
    if not Payment.objects.filter(pk=payment_id, status=current).update(**updates):
        return False
    count_after_commit(PAYMENTS, provider=provider_label(provider), outcome=to_status)
    return True


def payment_start(*, order: Order, provider: str, channel: str = "web") -> Payment:
    """A payment attempt for an unpaid order through ``provider`` on ``channel``. An open
    attempt of the same provider and channel is reused (a double click makes one); open
    attempts on other channels are closed at the gateway first (each channel is its own
    trade type there, and one trade number cannot serve two), outside any row lock."""
    if provider not in enabled_providers():
        raise UnknownProvider()
    others = (
        Payment.objects.filter(order_id=order.pk, status=P.PENDING)
        .exclude(provider=provider, channel=channel)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for payment_id in list(others):
        try:
            payment_close(payment_id=payment_id)
        except (ProviderUnavailable, GatewayRefused):
            # That gateway is down or will not close it: the new attempt has its own number
            # all the same, money on the old one is refunded as a second payment, and the
            # beat query closes it later. One gateway down must not block the others.
            logger.warning("payment %s stays open at its gateway for now", payment_id)
    return _payment_open(order_id=order.pk, provider=provider, channel=channel)


@transaction.atomic
def _payment_open(*, order_id: int, provider: str, channel: str) -> Payment:
    order = order_lock(order_id=order_id)
    if order.status == OrderStatus.PAID:
        raise OrderAlreadyPaid()
    if order.status != OrderStatus.PENDING_PAYMENT or order.pay_deadline <= timezone.now():
        raise PaymentNotAllowed()
    if not order.receiver_name:  # a flash-sale order waits for its address
        raise AddressRequired()
    open_one = Payment.objects.filter(
        order=order, provider=provider, channel=channel, status=P.PENDING
    ).first()
    if open_one is not None:
        return open_one
    payment = Payment.objects.create(
        payment_no=_new_payment_no(),
        order=order,
        provider=provider,
        channel=channel,
        amount=order.total_amount,
    )
    count_after_commit(PAYMENTS, provider=provider_label(provider), outcome="started")
    log_bind(payment_no=payment.payment_no, order_no=order.order_no)
    return payment


def payment_checkout(*, payment: Payment, request) -> Checkout:
    """Open ``payment`` at its gateway for its channel. A trade the gateway says is paid
    already is applied (the order becomes paid, OrderAlreadyPaid is raised)."""
    try:
        return get_provider(payment.provider).create(
            payment=payment, request=request, channel=payment.channel
        )
    except TradeSettled:
        payment_apply_query(payment_id=payment.pk)
        raise OrderAlreadyPaid() from None


def payment_set_checkout(*, payment_id: int, data: dict) -> None:
    """Keep what the gateway gave to pay with (only this column is written)."""
    Payment.objects.filter(pk=payment_id).update(checkout=data, updated_at=timezone.now())


# --- Notifications ---------------------------------------------------------------------------


def notification_reject(
    *, provider: str, headers: dict, body: bytes, reason: str, code: str = "invalid", sender=""
) -> bool:
    """Keep a notification that failed verification, for the log; it changes nothing.
    ``code`` is the reason's label in the metrics (REJECT_REASONS). Anyone can post here, so
    what is kept is bounded: PAYMENTS_REFUSED_KEEP_BYTES of the body, and from one
    ``sender`` address PAYMENTS_REFUSED_PER_MINUTE a minute; False when over that (counted,
    not stored)."""
    count_after_commit(NOTIFICATIONS_REJECTED, provider=provider_label(provider), reason=code)
    if not _refusal_allowed(sender):
        NOTIFICATIONS_REFUSED_UNSTORED.labels(provider=provider_label(provider)).inc()
        return False
    keep = settings.PAYMENTS_REFUSED_KEEP_BYTES
    PaymentNotification.objects.create(
        provider=provider,
        notification_id=f"unverified-{secrets.token_hex(8)}",
        headers={str(k)[:100]: str(v)[:500] for k, v in list(headers.items())[:40]},
        body=body[:keep].decode("utf-8", "replace"),
        verified=False,
        outcome=NotificationOutcome.REJECTED,
        detail=reason[:300],
        processed_at=timezone.now(),
    )
    return True


def _refusal_allowed(sender: str) -> bool:
    """Room in the sender's minute; a limiter that cannot be reached lets it through."""
    try:
        return rate_limit_hit(
            key=f"notify-refused:{sender or 'unknown'}",
            limit=settings.PAYMENTS_REFUSED_PER_MINUTE,
            window_seconds=60,
        ).allowed
    except redis.RedisError:
        logger.warning("the refusal limiter cannot reach Redis; storing the refusal")
        return True


def notification_accept(
    *, provider: str, notification: Notification, headers: dict, body: bytes
) -> PaymentNotification | None:
    """Store a verified notification once and queue its processing after commit; a repeat
    of one already stored returns None (the gateway is told all is well)."""
    from payments.tasks import payment_notification_process_task

    log_bind(payment_no=notification.payment_no, refund_no=notification.refund_no)
    try:
        with transaction.atomic():
            stored = PaymentNotification.objects.create(
                provider=provider,
                notification_id=notification.notification_id,
                headers=headers,
                body=body.decode("utf-8", "replace")[:20000],
                verified=True,
                parsed={
                    "payment_no": notification.payment_no,
                    "succeeded": notification.succeeded,
                    "amount": str(notification.amount),
                    "trade_no": notification.trade_no,
                    "pending": notification.pending,
                    "refund_no": notification.refund_no,
                    "message": notification.message,
                },
            )
    except IntegrityError:
        return None
    after_commit(lambda: payment_notification_process_task.delay(stored.pk))
    return stored


def _reject(notification: PaymentNotification, code: str, detail: str, payment=None):
    """Processing refused a verified notification (``code``: its label in the metrics)."""
    count_after_commit(
        NOTIFICATIONS_REJECTED, provider=provider_label(notification.provider), reason=code
    )
    return _finish(notification, NotificationOutcome.REJECTED, detail, payment)


def _finish(notification: PaymentNotification, outcome: str, detail: str = "", payment=None):
    PaymentNotification.objects.filter(pk=notification.pk).update(
        outcome=outcome,
        detail=detail[:300],
        payment=payment,
        processed_at=timezone.now(),
    )
    return outcome


@transaction.atomic
def notification_process(*, notification_id: int) -> str:
    """Apply a stored notification exactly once: lock the payment, then the order; check the
    amount; the payment succeeds and the order becomes paid, or, for an order cancelled
    meanwhile, the payment is kept as succeeded and flagged for refund."""
    notification = notification_lock(notification_id=notification_id)
    if notification is None or notification.processed_at is not None:
        return NotificationOutcome.DUPLICATE
    parsed = notification.parsed
    log_bind(payment_no=parsed.get("payment_no"), refund_no=parsed.get("refund_no"))
    if parsed.get("refund_no"):
        return _process_refund_notification(notification)
    found = Payment.objects.filter(payment_no=parsed.get("payment_no", "")).first()
    if found is None or found.provider != notification.provider:
        return _reject(notification, "unknown_payment", "unknown payment")
    payment = payment_lock(payment_id=found.pk)
    order = order_lock(order_id=payment.order_id)
    amount = Decimal(parsed["amount"])
    if amount != payment.amount or amount != order.total_amount:
        return _reject(
            notification, "amount", f"amount {amount} does not match {payment.amount}", payment
        )
    if parsed.get("pending"):
        return _finish(notification, NotificationOutcome.ACCEPTED, "waiting for the buyer", payment)
    if not parsed.get("succeeded"):
        payment_transition(payment_id=payment.pk, to_status=P.FAILED)
        return _finish(notification, NotificationOutcome.ACCEPTED, "failed", payment)
    if payment.status == P.SUCCEEDED:
        return _finish(notification, NotificationOutcome.DUPLICATE, "already paid", payment)
    return _finish(notification, *_apply_success(payment, order, parsed.get("trade_no", "")))


def _process_refund_notification(notification: PaymentNotification) -> str:
    """A refund's outcome, from its provider: applied once (a repeat finds it done)."""
    parsed = notification.parsed
    refund = Refund.objects.select_related("payment").filter(refund_no=parsed["refund_no"]).first()
    if refund is None or refund.payment.provider != notification.provider:
        return _reject(notification, "unknown_refund", "unknown refund")
    if Decimal(parsed["amount"]) != refund.amount:
        detail = f"refund amount {parsed['amount']} does not match {refund.amount}"
        return _reject(notification, "amount", detail, refund.payment)
    if refund.status != RefundStatus.PENDING:
        return _finish(
            notification, NotificationOutcome.DUPLICATE, "refund already settled", refund.payment
        )
    if parsed.get("pending"):
        return _finish(
            notification, NotificationOutcome.ACCEPTED, "refund processing", refund.payment
        )
    outcome = RefundOutcome.SUCCEEDED if parsed.get("succeeded") else RefundOutcome.FAILED
    state = RefundState(
        outcome=outcome,
        provider_refund_no=parsed.get("trade_no", ""),
        message=parsed.get("message", ""),
    )
    status = refund_apply(refund_id=refund.pk, state=state)
    return _finish(notification, NotificationOutcome.ACCEPTED, f"refund {status}", refund.payment)


def _refund_automatically(payment: Payment, order: Order, *, record: bool) -> None:
    """Money that must go back (a cancelled order, or one paid twice): refunded in full
    with no merchant step; for a cancelled order the merchant sees it in the queue."""
    # payments.services.aftersales builds on this module, so it is imported here.
    from payments.services.aftersales import aftersale_record_automatic

    request_no = (
        aftersale_record_automatic(order_id=order.pk, amount=payment.amount) if record else ""
    )
    refund = refund_open(
        payment=Payment.objects.get(pk=payment.pk),
        amount=payment.amount,
        request_no=request_no,
        reason="automatic",
        automatic=True,
    )
    if request_no:  # the request's retry (the merchant's, or the beat's) sends this refund
        AfterSaleRequest.objects.filter(request_no=request_no).update(refund_no=refund.refund_no)


def _apply_success(payment: Payment, order: Order, trade_no: str) -> tuple[str, str, Payment]:
    """The money arrived (both rows are locked by the caller)."""
    if Payment.objects.filter(order=order, status=P.SUCCEEDED).exclude(pk=payment.pk).exists():
        # Paid twice: this one stays unsucceeded (one success per order) and goes back.
        now = timezone.now()  # its money arrived (paid_at), and goes back
        Payment.objects.filter(pk=payment.pk).update(
            refund_due=True, provider_trade_no=trade_no, paid_at=now, updated_at=now
        )
        _refund_automatically(payment, order, record=False)
        return NotificationOutcome.ACCEPTED, "order already paid: refund due", payment
    now = timezone.now()
    payment_transition(
        payment_id=payment.pk,
        to_status=P.SUCCEEDED,
        fields={"provider_trade_no": trade_no, "paid_at": now},
    )
    if order.status == OrderStatus.PENDING_PAYMENT:
        order = order_mark_paid(
            order_id=order.pk,
            note_key=notes.PAID_ONLINE,
            note_params={"payment_no": payment.payment_no},
        )
        if order.status != OrderStatus.CANCELLED:
            return NotificationOutcome.ACCEPTED, order.status, payment
        # Its group could not take it (full meanwhile): the money goes back.
    Payment.objects.filter(pk=payment.pk).update(refund_due=True)
    _refund_automatically(payment, order, record=True)
    return NotificationOutcome.ACCEPTED, f"order {order.status}: refund due", payment


# --- Asking the gateway ----------------------------------------------------------------------


def payment_apply_query(*, payment_id: int) -> str:
    """Ask the gateway about a pending payment, then lock it and apply the answer: no row
    is locked while the gateway is asked."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status != P.PENDING:
        return payment.status
    state = get_provider(payment.provider).query(payment=payment)
    return _payment_apply_state(payment_id=payment_id, state=state)


@transaction.atomic
def _payment_apply_state(*, payment_id: int, state: TradeState) -> str:
    """What the gateway said of a payment, applied under the payment's lock (then the
    order's); a payment that another path settled meanwhile is left as it is."""
    payment = payment_lock(payment_id=payment_id)
    if payment.status == P.PENDING:
        if state.succeeded and state.amount == payment.amount:
            order = order_lock(order_id=payment.order_id)
            _apply_success(payment, order, state.trade_no)
        elif state.closed:
            payment_transition(payment_id=payment.pk, to_status=P.CLOSED)
    return Payment.objects.values_list("status", flat=True).get(pk=payment.pk)


def payment_close(*, payment_id: int) -> str:
    """Close a pending payment at the gateway, then here. A gateway that answers "paid
    already" is asked what was paid, and that is applied (the order becomes paid): it is
    never taken for closed. Returns the payment's status after."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status != P.PENDING:
        return payment.status
    try:
        get_provider(payment.provider).close(payment=payment)
    except TradeSettled:
        status = payment_apply_query(payment_id=payment_id)
        if status == P.PENDING:  # paid, says close; not yet, says query: ask again later
            raise SettleIncomplete() from None
        return status
    payment_transition(payment_id=payment_id, to_status=P.CLOSED)
    return Payment.objects.values_list("status", flat=True).get(pk=payment_id)


STALE_AFTER = timedelta(minutes=10)


def payments_query_stale(*, limit: int = 200) -> int:
    """Ask the gateway about payments pending for more than STALE_AFTER (their
    notification may be lost) and apply the answers; a payment still open for an order
    that no longer waits for it (cancelled while the gateway could not be reached) is
    closed at the gateway. Returns how many were asked."""
    ids = list(
        Payment.objects.filter(status=P.PENDING, created_at__lte=timezone.now() - STALE_AFTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for payment_id in ids:
        try:
            if payment_apply_query(payment_id=payment_id) != P.PENDING:
                continue
            order_status = Order.objects.values_list("status", flat=True).get(
                payments__pk=payment_id
            )
            if order_status != OrderStatus.PENDING_PAYMENT:
                payment_close(payment_id=payment_id)
        except Exception:  # one gateway error must not stop the others; logged with its id
            logger.exception("querying payment %s failed", payment_id)
    return len(ids)


def payments_settle_before_cancel(*, order_id: int) -> None:
    """orders' settle hook: a payment that went through makes the order paid; the others
    are closed at the gateway, so nothing can be paid after the cancel. A close the gateway
    refuses because the trade is paid makes the order paid too (the cancel then finds it
    paid); one it says is paid but cannot show yet stops the cancel (SettleIncomplete)."""
    pending = Payment.objects.filter(order_id=order_id, status=P.PENDING).order_by("pk")
    for payment_id in list(pending.values_list("pk", flat=True)):
        if payment_apply_query(payment_id=payment_id) == P.PENDING:
            payment_close(payment_id=payment_id)


def payments_follow_order(*, order, from_status: str, to_status: str) -> None:
    """orders' transition hook: a paid order cancelled before it could ship (its group
    failed) gets its money back in full, automatically (rows and a queued refund only; the
    gateway is called by the refund's task after commit)."""
    if not (from_status == OrderStatus.GROUPING and to_status == OrderStatus.CANCELLED):
        return
    payment = Payment.objects.filter(order_id=order.pk, status=P.SUCCEEDED).first()
    if payment is not None and not payment.refunds.exists():
        _refund_automatically(payment, order, record=True)


def payment_status_for_orders(*, order_ids: list[int]) -> dict[int, dict]:
    """What the order pages show of paid orders: the method and time (one query)."""
    return {
        p.order_id: {"provider": p.get_provider_display(), "paid_at": p.paid_at}
        for p in Payment.objects.filter(order_id__in=order_ids, status=P.SUCCEEDED)
    }


# --- Reconciliation --------------------------------------------------------------------------


def payments_reconcile(*, day, provider: str):
    """Compare our successful payments and refunds of ``day`` (the shop's time zone) with
    the provider's bill for it, and keep the result: every payment or refund missing on one
    side, or with another amount on the other."""
    lines = get_provider(provider).bill(day=day)
    bill_payments = {line.payment_no: line for line in lines if not line.refund_no}
    bill_refunds = {line.refund_no: line for line in lines if line.refund_no}
    ours = {
        p.payment_no: p
        for p in Payment.objects.filter(provider=provider, status=P.SUCCEEDED, paid_at__date=day)
    }
    our_refunds = {
        r.refund_no: r
        for r in Refund.objects.filter(
            payment__provider=provider, status=RefundStatus.SUCCEEDED, succeeded_at__date=day
        ).select_related("payment")
    }
    mismatches = _compare(ours, bill_payments, kind="payment")
    mismatches += _compare(our_refunds, bill_refunds, kind="refund")
    return ReconciliationRun.objects.create(
        day=day,
        provider=provider,
        local_count=len(ours) + len(our_refunds),
        bill_count=len(lines),
        mismatches=mismatches,
    )


def _compare(ours: dict, theirs: dict, *, kind: str) -> list[dict]:
    """Every key on one side only, or with two amounts. Payments are listed by payment
    number, refunds by refund number (with their payment's)."""
    found = []
    for key in sorted(set(ours) | set(theirs)):
        mine, bill = ours.get(key), theirs.get(key)
        if mine is None:
            problem = "missing_here"
        elif bill is None:
            problem = "missing_in_bill"
        elif mine.amount != bill.amount:
            problem = "amount"
        else:
            continue
        item = {
            "payment_no": key,
            "problem": problem,
            "ours": str(mine.amount) if mine else None,
            "theirs": str(bill.amount) if bill else None,
        }
        if kind == "refund":
            payment_no = mine.payment.payment_no if mine else bill.payment_no
            item.update(payment_no=payment_no, refund_no=key)
        found.append(item)
    return found
