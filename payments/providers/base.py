"""The one interface every payment provider implements (sandbox, WeChat Pay, Alipay).

Refunds join it with their issue (refund, query_refund, and their notifications).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


class NotificationRejected(Exception):
    """The notification failed verification (signature, time window, ids, shape)."""


@dataclass(frozen=True)
class Checkout:
    """What the client needs to pay: a page to send the shopper to, or parameters."""

    redirect_url: str = ""
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Notification:
    """A verified notification, in the provider's own words reduced to what we use."""

    notification_id: str
    payment_no: str
    succeeded: bool
    amount: Decimal
    trade_no: str = ""
    merchant_id: str = ""


@dataclass(frozen=True)
class TradeState:
    """What the provider says of a payment when asked."""

    succeeded: bool
    closed: bool = False
    amount: Decimal | None = None
    trade_no: str = ""


@dataclass(frozen=True)
class BillLine:
    payment_no: str
    trade_no: str
    amount: Decimal


class PaymentProvider:
    name: str = ""

    def create(self, *, payment, request) -> Checkout:
        raise NotImplementedError

    def verify_notification(self, *, headers: dict, body: bytes) -> Notification:
        """Verify and parse a callback; raise NotificationRejected when it is not genuine."""
        raise NotImplementedError

    def notification_answer(self, *, ok: bool, message: str = ""):
        """The HTTP response the provider's contract asks for."""
        raise NotImplementedError

    def query(self, *, payment) -> TradeState:
        raise NotImplementedError

    def close(self, *, payment) -> None:
        raise NotImplementedError

    def bill(self, *, day: date) -> list[BillLine]:
        raise NotImplementedError
