"""The sandbox: a payment gateway built into the shop, for development and demos.

Its gateway page (/payments/sandbox/<payment_no>/) shows the amount with a Pay and a Fail
button. Paying sends, server to server, a notification through the same callback endpoint
and pipeline as the real providers: JSON signed with HMAC-SHA256 over
"<timestamp>\\n<body>" with PAYMENTS_SANDBOX_SECRET, the timestamp in X-Sandbox-Timestamp and
the signature in X-Sandbox-Signature; one older than five minutes is refused.
PAYMENTS_SANDBOX_DUPLICATES delivers each notification twice, to exercise idempotency.
Refunds are taken at once and paid a moment later with a notification signed the same way
(``"type": "refund"``), to the URL the trade's notifications go to.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse

from config.oncommit import after_commit
from config.parsing import parse_digits
from payments.models import SandboxRefund, SandboxTrade
from payments.providers.base import (
    BillLine,
    Checkout,
    Notification,
    NotificationRejected,
    PaymentProvider,
    RefundOutcome,
    RefundState,
    TradeSettled,
    TradeState,
)

WINDOW_SECONDS = 300


def sign(timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"\n" + body
    return hmac.new(settings.PAYMENTS_SANDBOX_SECRET.encode(), message, hashlib.sha256).hexdigest()


class SandboxProvider(PaymentProvider):
    name = "sandbox"

    def create(self, *, payment, request, channel: str = "web") -> Checkout:
        from payments.views import notify_url_for

        SandboxTrade.objects.get_or_create(
            payment_no=payment.payment_no,
            defaults={
                "amount": payment.amount,
                "trade_no": "SBX" + payment.payment_no[1:],
                "notify_url": notify_url_for(request, self.name),
            },
        )
        return Checkout(redirect_url=reverse("payments:sandbox", args=[payment.payment_no]))

    def verify_notification(self, *, headers: dict, body: bytes) -> Notification:
        lowered = {k.lower(): v for k, v in headers.items()}
        timestamp = lowered.get("x-sandbox-timestamp", "")
        signature = lowered.get("x-sandbox-signature", "")
        sent_at = parse_digits(timestamp, max_length=12)
        if sent_at is None or abs(time.time() - sent_at) > WINDOW_SECONDS:
            raise NotificationRejected(
                "timestamp missing or outside the window", reason="timestamp"
            )
        if not hmac.compare_digest(signature, sign(timestamp, body)):
            raise NotificationRejected("bad signature", reason="signature")
        try:
            data = json.loads(body)
            amount = Decimal(str(data["amount"]))
            notification = Notification(
                notification_id=str(data["id"]),
                payment_no=str(data["payment_no"]),
                succeeded=data["status"] == "SUCCESS",
                amount=amount,
                trade_no=str(data.get("trade_no", "")),
                merchant_id=str(data.get("merchant_id", "")),
                refund_no=str(data["refund_no"]) if data.get("type") == "refund" else "",
                message=str(data.get("message", ""))[:300],
            )
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            raise NotificationRejected("malformed body", reason="malformed") from exc
        if not amount.is_finite() or notification.merchant_id != settings.PAYMENTS_SANDBOX_MERCHANT:
            raise NotificationRejected("wrong merchant or amount", reason="account")
        return notification

    def notification_answer(self, *, ok: bool, message: str = "", status: int = 400):
        if ok:
            return JsonResponse({"code": "SUCCESS"})
        return JsonResponse({"code": "FAIL", "message": message}, status=status)

    def query(self, *, payment) -> TradeState:
        trade = SandboxTrade.objects.filter(payment_no=payment.payment_no).first()
        if trade is None:
            return TradeState(succeeded=False, closed=True)
        return TradeState(
            succeeded=trade.status == "paid",
            closed=trade.status in {"closed", "failed"},
            amount=trade.amount,
            trade_no=trade.trade_no,
        )

    def close(self, *, payment) -> None:
        closed = SandboxTrade.objects.filter(payment_no=payment.payment_no, status="open").update(
            status="closed"
        )
        if (
            not closed
            and SandboxTrade.objects.filter(payment_no=payment.payment_no, status="paid").exists()
        ):
            raise TradeSettled()  # as WeChat Pay answers ORDERPAID

    def bill(self, *, day: date) -> list[BillLine]:
        lines = [
            BillLine(payment_no=t.payment_no, trade_no=t.trade_no, amount=t.amount)
            for t in SandboxTrade.objects.filter(paid_at__date=day).exclude(paid_at=None)
        ]
        return lines + [
            BillLine(
                payment_no=r.payment_no,
                trade_no=r.trade_refund_no,
                amount=r.amount,
                refund_no=r.refund_no,
            )
            for r in SandboxRefund.objects.filter(status="success", succeeded_at__date=day)
        ]

    def refund(self, *, refund) -> RefundState:
        """Take the refund; the sandbox pays it a moment later and sends a notification
        (PAYMENTS_SANDBOX_REFUNDS_FAIL refuses it, as a gateway short of funds would)."""
        trade = SandboxTrade.objects.filter(payment_no=refund.payment.payment_no).first()
        if trade is None or trade.status != "paid":
            return RefundState(RefundOutcome.FAILED, message="TRADE_NOT_PAID: 交易未支付")
        if settings.PAYMENTS_SANDBOX_REFUNDS_FAIL:
            return RefundState(RefundOutcome.FAILED, message="NOT_ENOUGH: 商户账户余额不足")
        stored, created = SandboxRefund.objects.get_or_create(
            refund_no=refund.refund_no,
            defaults={
                "payment_no": trade.payment_no,
                "amount": refund.amount,
                "trade_refund_no": "SBR" + refund.refund_no[1:],
            },
        )
        if created:
            from payments.tasks import sandbox_refund_deliver_task

            after_commit(lambda: sandbox_refund_deliver_task.delay(refund.refund_no))
        return self.query_refund(refund=refund)

    def query_refund(self, *, refund) -> RefundState:
        stored = SandboxRefund.objects.filter(refund_no=refund.refund_no).first()
        if stored is None:
            return RefundState(RefundOutcome.UNKNOWN)
        outcome = {"success": RefundOutcome.SUCCEEDED, "failed": RefundOutcome.FAILED}
        return RefundState(
            outcome.get(stored.status, RefundOutcome.PENDING),
            provider_refund_no=stored.trade_refund_no,
        )


def notification_for(trade: SandboxTrade, *, notification_id: str) -> tuple[dict, bytes]:
    """The signed headers and body the sandbox sends about a trade."""
    return _signed(
        {
            "id": notification_id,
            "payment_no": trade.payment_no,
            "trade_no": trade.trade_no,
            "status": "SUCCESS" if trade.status == "paid" else "FAILED",
            "amount": str(trade.amount),
            "merchant_id": settings.PAYMENTS_SANDBOX_MERCHANT,
        }
    )


def refund_notification_for(stored: SandboxRefund, *, notification_id: str) -> tuple[dict, bytes]:
    """The signed headers and body the sandbox sends about a refund."""
    return _signed(
        {
            "id": notification_id,
            "type": "refund",
            "refund_no": stored.refund_no,
            "payment_no": stored.payment_no,
            "trade_no": stored.trade_refund_no,
            "status": "SUCCESS" if stored.status == "success" else "FAILED",
            "amount": str(stored.amount),
            "merchant_id": settings.PAYMENTS_SANDBOX_MERCHANT,
        }
    )


def _signed(data: dict) -> tuple[dict, bytes]:
    body = json.dumps(data).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Sandbox-Timestamp": timestamp,
        "X-Sandbox-Signature": sign(timestamp, body),
    }
    return headers, body
