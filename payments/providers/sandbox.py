"""The sandbox: a payment gateway built into the shop, for development and demos.

Its gateway page (/payments/sandbox/<payment_no>/) shows the amount with a Pay and a Fail
button. Paying sends, server to server, a notification through the same callback endpoint
and pipeline as the real providers: JSON signed with HMAC-SHA256 over
"<timestamp>\\n<body>" with PAYMENTS_SANDBOX_SECRET, the timestamp in X-Sandbox-Timestamp and
the signature in X-Sandbox-Signature; one older than five minutes is refused.
PAYMENTS_SANDBOX_DUPLICATES delivers each notification twice, to exercise idempotency.
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

from payments.models import SandboxTrade
from payments.providers.base import (
    BillLine,
    Checkout,
    Notification,
    NotificationRejected,
    PaymentProvider,
    TradeState,
)

WINDOW_SECONDS = 300


def sign(timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"\n" + body
    return hmac.new(settings.PAYMENTS_SANDBOX_SECRET.encode(), message, hashlib.sha256).hexdigest()


class SandboxProvider(PaymentProvider):
    name = "sandbox"

    def create(self, *, payment, request, channel: str = "web") -> Checkout:
        SandboxTrade.objects.get_or_create(
            payment_no=payment.payment_no,
            defaults={"amount": payment.amount, "trade_no": "SBX" + payment.payment_no[1:]},
        )
        return Checkout(redirect_url=reverse("payments:sandbox", args=[payment.payment_no]))

    def verify_notification(self, *, headers: dict, body: bytes) -> Notification:
        lowered = {k.lower(): v for k, v in headers.items()}
        timestamp = lowered.get("x-sandbox-timestamp", "")
        signature = lowered.get("x-sandbox-signature", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > WINDOW_SECONDS:
            raise NotificationRejected("timestamp missing or outside the window")
        if not hmac.compare_digest(signature, sign(timestamp, body)):
            raise NotificationRejected("bad signature")
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
            )
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            raise NotificationRejected("malformed body") from exc
        if not amount.is_finite() or notification.merchant_id != settings.PAYMENTS_SANDBOX_MERCHANT:
            raise NotificationRejected("wrong merchant or amount")
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
        SandboxTrade.objects.filter(payment_no=payment.payment_no, status="open").update(
            status="closed"
        )

    def bill(self, *, day: date) -> list[BillLine]:
        return [
            BillLine(payment_no=t.payment_no, trade_no=t.trade_no, amount=t.amount)
            for t in SandboxTrade.objects.filter(status="paid", paid_at__date=day)
        ]


def notification_for(trade: SandboxTrade, *, notification_id: str) -> tuple[dict, bytes]:
    """The signed headers and body the sandbox sends about a trade."""
    body = json.dumps(
        {
            "id": notification_id,
            "payment_no": trade.payment_no,
            "trade_no": trade.trade_no,
            "status": "SUCCESS" if trade.status == "paid" else "FAILED",
            "amount": str(trade.amount),
            "merchant_id": settings.PAYMENTS_SANDBOX_MERCHANT,
        }
    ).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Sandbox-Timestamp": timestamp,
        "X-Sandbox-Signature": sign(timestamp, body),
    }
    return headers, body
