"""Payments: one row per attempt to pay an order, and every gateway notification as it came.

Status changes go through payments.services.payment_transition (a conditional UPDATE over
the table in PAYMENT_TRANSITIONS); nothing saves a whole Payment row.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import Order


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Failed")
    CLOSED = "closed", _("Closed")


class Provider(models.TextChoices):
    SANDBOX = "sandbox", _("Sandbox (test payments)")
    WECHATPAY = "wechatpay", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")


class PaymentChannel(models.TextChoices):
    """Where the shopper pays: each is its own trade type at the gateway (WeChat Pay's
    Native and JSAPI, Alipay's page and wap pay), so each gets its own attempt."""

    WEB = "web", _("Computer browser")
    MOBILE = "mobile", _("Phone browser")
    MINIPROGRAM = "miniprogram", _("Mini-program")


class Payment(models.Model):
    """An attempt to pay an order through a provider on one channel; several per order, one
    succeeds."""

    payment_no = models.CharField(_("payment number"), max_length=32, unique=True)
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="payments"
    )
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    channel = models.CharField(
        _("channel"), max_length=16, choices=PaymentChannel.choices, default=PaymentChannel.WEB
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PaymentStatus.choices,
        default=PaymentStatus.PENDING,
    )
    provider_trade_no = models.CharField(
        _("provider's trade number"), max_length=64, blank=True, default=""
    )
    # What the gateway gave for the shopper to pay with (WeChat Native: {"code_url": ...}).
    checkout = models.JSONField(_("checkout data"), default=dict, blank=True, editable=False)
    # Money arrived for an order that was already cancelled: it must go back (issue: refunds).
    refund_due = models.BooleanField(_("refund due"), default=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status="succeeded"),
                name="payments_one_success_per_order",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_amount_gt_0"),
        ]

    def __str__(self):
        return self.payment_no


class NotificationOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DUPLICATE = "duplicate", _("Duplicate")
    REJECTED = "rejected", _("Rejected")


class PaymentNotification(models.Model):
    """A gateway's callback, stored as it arrived with what its verification found."""

    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    notification_id = models.CharField(_("notification id"), max_length=128)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    body = models.TextField(_("raw body"), blank=True, default="")
    verified = models.BooleanField(_("verified"), default=False)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=NotificationOutcome.choices, blank=True, default=""
    )
    # What verification read from it (payment number, amount, success, trade number).
    parsed = models.JSONField(_("parsed"), default=dict, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True, default="")
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")
        constraints = [
            # Only verified ones: a forged notification that borrows a real id must not
            # keep the real one out.
            models.UniqueConstraint(
                fields=["provider", "notification_id"],
                condition=Q(verified=True),
                name="payments_notification_once",
            )
        ]

    def __str__(self):
        return f"{self.provider}:{self.notification_id}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Under way")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Refund failed")


class Refund(models.Model):
    """Money going back to the payer of a succeeded payment, in one or more refunds.

    ``refund_no`` is what the provider knows it by (WeChat Pay's out_refund_no, Alipay's
    out_request_no): a retry sends the same number, so the provider pays it once.
    """

    refund_no = models.CharField(_("refund number"), max_length=32, unique=True)
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=80, blank=True, default="")
    # The after-sales request it pays out (orders.AfterSaleRequest.request_no).
    request_no = models.CharField(_("request number"), max_length=32, blank=True, default="")
    automatic = models.BooleanField(_("automatic"), default=False)
    provider_refund_no = models.CharField(
        _("provider's refund number"), max_length=64, blank=True, default=""
    )
    failure = models.CharField(_("provider's message"), max_length=300, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    succeeded_at = models.DateTimeField(_("refunded at"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_amount_gt_0"),
        ]

    def __str__(self):
        return self.refund_no


class SandboxTrade(models.Model):
    """The sandbox gateway's own ledger: what it would know on its side of the wire."""

    payment_no = models.CharField(_("payment number"), max_length=32, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    trade_no = models.CharField(_("trade number"), max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=8, default="open")  # open/paid/failed/closed
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # Where the sandbox sends this trade's notifications (its refunds' too), as a real
    # gateway keeps the notify_url it was given.
    notify_url = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox trade")
        verbose_name_plural = _("sandbox trades")

    def __str__(self):
        return self.trade_no


class SandboxRefund(models.Model):
    """The sandbox gateway's side of a refund."""

    refund_no = models.CharField(_("refund number"), max_length=32, unique=True)
    payment_no = models.CharField(_("payment number"), max_length=32, db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    trade_refund_no = models.CharField(_("trade refund number"), max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=10, default="processing")  # /success/failed
    succeeded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox refund")
        verbose_name_plural = _("sandbox refunds")

    def __str__(self):
        return self.trade_refund_no


class ReconciliationRun(models.Model):
    """One comparison of a day's successful payments with the provider's bill."""

    day = models.DateField(_("day"))
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    local_count = models.PositiveIntegerField(_("our payments"), default=0)
    bill_count = models.PositiveIntegerField(_("bill lines"), default=0)
    # [{"payment_no", "problem": missing_here|missing_in_bill|amount, "ours", "theirs"}]
    mismatches = models.JSONField(_("mismatches"), default=list, blank=True)
    created_at = models.DateTimeField(_("run at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")

    def __str__(self):
        return f"{self.get_provider_display()} {self.day:%Y-%m-%d}"


from payments.models.aftersales import (  # noqa: E402  (after-sales refers to Refund's app)
    OPEN_STATUSES,
    AfterSaleEvent,
    AfterSaleItem,
    AfterSaleKind,
    AfterSalePhoto,
    AfterSaleReason,
    AfterSaleRequest,
    AfterSaleStatus,
)

__all__ = [
    "PaymentChannel",
    "OPEN_STATUSES",
    "AfterSaleEvent",
    "AfterSaleItem",
    "AfterSaleKind",
    "AfterSalePhoto",
    "AfterSaleReason",
    "AfterSaleRequest",
    "AfterSaleStatus",
    "NotificationOutcome",
    "Payment",
    "PaymentNotification",
    "PaymentStatus",
    "Provider",
    "ReconciliationRun",
    "Refund",
    "RefundStatus",
    "SandboxRefund",
    "SandboxTrade",
]
