"""Refunds: open one on a succeeded payment, carry it out at the provider (a Celery task),
and apply what the provider says (its notification, the answer to the call, or a query).

Locks: a refund is opened with its order locked (by the after-sales service, or by the
payment pipeline that holds the payment, then the order), and its outcome is applied with
the order locked first, then the refund, so no two paths wait on each other in turns.
A refund's amount counts against the payment from the moment it is opened (a failed one
too, until it is retried), so refunds never add up to more than was paid.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from config.metrics import REFUNDS, count_after_commit, provider_label
from config.oncommit import after_commit
from orders.services import order_lock
from payments.errors import RefundExceedsPayment, RefundNotAllowed
from payments.models import Payment, PaymentStatus, Refund, RefundStatus
from payments.providers import get_provider
from payments.providers.base import RefundOutcome, RefundState

logger = logging.getLogger(__name__)
R = RefundStatus


def _new_refund_no() -> str:
    return "F" + timezone.localtime().strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**8):08d}"


def refundable_left(payment: Payment) -> Decimal:
    taken = payment.refunds.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return payment.amount - taken


def refund_open(
    *, payment: Payment, amount: Decimal, request_no: str = "", reason: str = "", automatic=False
) -> Refund:
    """Open a refund of ``amount`` on ``payment`` and queue its execution after commit.
    The caller holds the payment's order lock."""
    if payment.status != PaymentStatus.SUCCEEDED and not payment.refund_due:
        raise RefundNotAllowed()
    if amount <= 0 or amount > refundable_left(payment):
        raise RefundExceedsPayment()
    refund = Refund.objects.create(
        refund_no=_new_refund_no(),
        payment=payment,
        amount=amount,
        request_no=request_no,
        reason=reason[:80],
        automatic=automatic,
    )
    count_after_commit(REFUNDS, provider=provider_label(payment.provider), outcome="requested")
    _queue(refund.pk)
    return refund


def refund_retry(*, refund_no: str) -> bool:
    """Send a failed refund again, with the same number (the provider pays a refund number
    once). True if it was failed and is now under way again."""
    refund = Refund.objects.filter(refund_no=refund_no).first()
    if refund is None:
        return False
    retried = Refund.objects.filter(pk=refund.pk, status=R.FAILED).update(
        status=R.PENDING, failure="", updated_at=timezone.now()
    )
    if retried:
        _queue(refund.pk)
    return bool(retried)


def _queue(refund_id: int) -> None:
    from payments.tasks import refund_execute_task

    after_commit(lambda: refund_execute_task.delay(refund_id))


def refund_execute(*, refund_id: int) -> str:
    """Ask the provider for a pending refund and apply its answer (the task's body)."""
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None or refund.status != R.PENDING:
        return refund.status if refund else ""
    Refund.objects.filter(pk=refund.pk).update(attempts=F("attempts") + 1)
    state = get_provider(refund.payment.provider).refund(refund=refund)
    return refund_apply(refund_id=refund.pk, state=state)


def refund_lock(*, refund_id: int) -> Refund:
    """The one way to lock a refund's row; its order is locked before it (refund_apply)."""
    return Refund.objects.select_for_update().get(pk=refund_id)


@transaction.atomic
def refund_apply(*, refund_id: int, state: RefundState) -> str:
    """Apply what the provider says of a refund, once: a pending refund succeeds (the
    after-sales request completes) or fails (the merchant sees the message and may retry)."""
    # payments.services.aftersales opens refunds through this module, so it is imported here.
    from payments.services.aftersales import aftersale_refund_failed, aftersale_refund_succeeded

    found = Refund.objects.select_related("payment").get(pk=refund_id)
    order_lock(order_id=found.payment.order_id)
    refund = refund_lock(refund_id=refund_id)
    if refund.status != R.PENDING:
        return refund.status
    now = timezone.now()
    if state.outcome == RefundOutcome.SUCCEEDED:
        Refund.objects.filter(pk=refund.pk).update(
            status=R.SUCCEEDED,
            succeeded_at=now,
            provider_refund_no=state.provider_refund_no or refund.provider_refund_no,
            updated_at=now,
        )
        if refund.request_no:
            aftersale_refund_succeeded(request_no=refund.request_no, amount=refund.amount)
        count_after_commit(
            REFUNDS, provider=provider_label(found.payment.provider), outcome="succeeded"
        )
        return R.SUCCEEDED
    if state.outcome == RefundOutcome.FAILED:
        Refund.objects.filter(pk=refund.pk).update(
            status=R.FAILED, failure=state.message[:300], updated_at=now
        )
        if refund.request_no:
            aftersale_refund_failed(request_no=refund.request_no, message=state.message)
        count_after_commit(
            REFUNDS, provider=provider_label(found.payment.provider), outcome="failed"
        )
        return R.FAILED
    if state.provider_refund_no and state.provider_refund_no != refund.provider_refund_no:
        Refund.objects.filter(pk=refund.pk).update(
            provider_refund_no=state.provider_refund_no, updated_at=now
        )
    return R.PENDING


def refund_apply_query(*, refund_id: int) -> str:
    """Ask the provider about a pending refund and apply the answer; one it never received
    (the call was lost) is sent again with the same number."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != R.PENDING:
        return refund.status
    state = get_provider(refund.payment.provider).query_refund(refund=refund)
    if state.outcome == RefundOutcome.UNKNOWN:
        return refund_execute(refund_id=refund.pk)
    return refund_apply(refund_id=refund.pk, state=state)


REFUND_STALE_AFTER = timedelta(minutes=10)


def refunds_query_stale(*, limit: int = 200) -> int:
    """Beat: ask about refunds pending for more than ten minutes (a lost notification, a
    provider that never sends one); returns how many were asked."""
    ids = list(
        Refund.objects.filter(status=R.PENDING, updated_at__lte=timezone.now() - REFUND_STALE_AFTER)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    for refund_id in ids:
        try:
            refund_apply_query(refund_id=refund_id)
        except Exception:  # one provider error must not stop the others; logged with its id
            logger.exception("querying refund %s failed", refund_id)
    return len(ids)


AUTO_RETRY_AFTER = timedelta(minutes=10)
AUTO_RETRY_ATTEMPTS = 6


def refunds_retry_automatic(*, limit: int = 200) -> int:
    """Beat: an automatic refund (money for a cancelled order, a failed group's) has no
    merchant step behind it, so one the provider refused (a short balance) is sent again
    with its own number after AUTO_RETRY_AFTER, up to AUTO_RETRY_ATTEMPTS tries; the
    merchant sees it failing in the after-sales queue meanwhile and may send it sooner.
    Returns how many went again."""
    from payments.services.aftersales import aftersale_refund_retry

    due = Refund.objects.filter(
        status=R.FAILED,
        automatic=True,
        attempts__lt=AUTO_RETRY_ATTEMPTS,
        updated_at__lte=timezone.now() - AUTO_RETRY_AFTER,
    ).order_by("updated_at")
    sent = 0
    for refund_no, request_no in list(due.values_list("refund_no", "request_no")[:limit]):
        try:
            with transaction.atomic():
                if request_no:
                    aftersale_refund_retry(request_no=request_no, actor=None, actor_type="system")
                    sent += 1
                else:
                    sent += refund_retry(refund_no=refund_no)
        except Exception:  # one refund's trouble must not stop the others; logged with it
            logger.exception("retrying refund %s failed", refund_no)
    return sent
