"""The one interface every payment provider implements (sandbox, WeChat Pay, Alipay):
create, verify a notification (of a payment or of a refund), query, close, the day's bill,
refund and query a refund."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


class NotificationRejected(Exception):
    """The notification failed verification (signature, time window, ids, shape).

    ``reason`` is one of REJECT_REASONS: the metrics' label, where the message is free text."""

    def __init__(self, message: str = "", *, reason: str = "invalid"):
        super().__init__(message)
        self.reason = reason


class TradeSettled(Exception):
    """``close`` was refused because the trade is no longer open at the gateway: paid
    (WeChat Pay's ORDERPAID, Alipay's ACQ.TRADE_STATUS_ERROR), or settled otherwise. The
    caller asks the gateway (``query``) what became of it and applies that; it must never
    take the refusal for "closed" or for "unreachable"."""


# Why a notification was refused: verification (the gateway's side) or processing (ours).
REJECT_REASONS = frozenset(
    {"signature", "timestamp", "malformed", "account", "invalid"}
    | {"unknown_payment", "unknown_refund", "amount"}
)


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
    # Neither paid nor failed yet (Alipay's WAIT_BUYER_PAY): recorded, changes nothing.
    pending: bool = False
    # A refund's notification: its refund number; ``succeeded`` then tells of the refund.
    refund_no: str = ""
    message: str = ""


@dataclass(frozen=True)
class TradeState:
    """What the provider says of a payment when asked."""

    succeeded: bool
    closed: bool = False
    amount: Decimal | None = None
    trade_no: str = ""


@dataclass(frozen=True)
class BillLine:
    """A line of the day's bill: a payment, or a refund (``refund_no`` set)."""

    payment_no: str
    trade_no: str
    amount: Decimal
    refund_no: str = ""


class RefundOutcome:
    SUCCEEDED = "succeeded"
    PENDING = "pending"  # accepted, the money is on its way (a notification or query ends it)
    FAILED = "failed"  # refused: the provider's message says why; a retry may work
    UNKNOWN = "unknown"  # the provider has no such refund (never received)


@dataclass(frozen=True)
class RefundState:
    outcome: str
    provider_refund_no: str = ""
    message: str = ""


class PaymentProvider:
    name: str = ""
    # Settings that must be set, and of those the ones naming key files that must be read.
    required_settings: tuple[str, ...] = ()
    key_file_settings: tuple[str, ...] = ()

    @classmethod
    def configuration_problems(cls) -> list[str]:
        """What keeps this provider from working with the current settings (system check)."""
        from pathlib import Path

        from django.conf import settings

        problems = [
            f"{name} is not set." for name in cls.required_settings if not getattr(settings, name)
        ]
        for name in cls.key_file_settings:
            path = getattr(settings, name)
            if path and not Path(path).is_file():
                problems.append(f"{name} ({path}) is not a readable file.")
        return problems

    def create(self, *, payment, request, channel: str = "web") -> Checkout:
        """Open the payment at the gateway. ``channel`` is where the shopper pays: "web"
        (a desktop browser), "mobile" (a phone's browser) or "miniprogram" (the WeChat
        mini-program, which gets the parameters of wx.requestPayment); each attempt is made
        for one channel (payments.services.payment_start). A gateway that answers no raises
        GatewayRefused with its words; one that cannot be reached, ProviderUnavailable."""
        raise NotImplementedError

    def verify_notification(self, *, headers: dict, body: bytes) -> Notification:
        """Verify and parse a callback; raise NotificationRejected when it is not genuine."""
        raise NotImplementedError

    def notification_answer(self, *, ok: bool, message: str = "", status: int = 400):
        """The HTTP response the provider's contract asks for."""
        raise NotImplementedError

    def query(self, *, payment) -> TradeState:
        raise NotImplementedError

    def close(self, *, payment) -> None:
        """Close an open trade (nothing can be paid on it after); raises TradeSettled when
        the gateway says it is paid already, ProviderUnavailable when it cannot be asked."""
        raise NotImplementedError

    def bill(self, *, day: date) -> list[BillLine]:
        """The day's successful payments and refunds, as the provider's bill lists them."""
        raise NotImplementedError

    def refund(self, *, refund) -> RefundState:
        """Ask for ``refund`` (sent again with the same refund number on a retry: the
        provider pays it once)."""
        raise NotImplementedError

    def query_refund(self, *, refund) -> RefundState:
        raise NotImplementedError
