"""Points (积分): one account per shopper, every change a ledger row, every credit a batch.

The account's ``balance`` (usable) and ``pending`` (earned, not yet usable) change only in
marketing.services.points, by conditional updates in the transaction that writes the
change's ``PointsEntry``; so each equals the sum of its ledger (``manage.py points_audit``)
and can never go below zero (check constraints). Each credit is a ``PointsBatch`` that
expires on its own date; spending draws on the batches that expire first.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class PointsAccount(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="points_account",
    )
    balance = models.IntegerField(_("usable points"), default=0)
    pending = models.IntegerField(_("pending points"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="marketing_points_balance"),
            models.CheckConstraint(condition=Q(pending__gte=0), name="marketing_points_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.balance}"


class PointsReason(models.TextChoices):
    ORDER_EARNED = "order_earned", _("Earned by an order")
    ORDER_SPENT = "order_spent", _("Spent on an order")
    ORDER_RETURNED = "order_returned", _("Returned by a cancelled order")
    REFUND_REVERSED = "refund_reversed", _("Taken back by a refund")
    REFUND_RETURNED = "refund_returned", _("Returned by a refund")
    CHECK_IN = "check_in", _("Daily check-in")
    RELEASED = "released", _("Became usable")
    EXPIRED = "expired", _("Expired")
    ADJUSTED = "adjusted", _("Adjusted by the shop")


class PointsBatchStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    USABLE = "usable", _("Usable")
    EXPIRED = "expired", _("Expired")
    REVERSED = "reversed", _("Taken back")


class PointsBatch(models.Model):
    """Points credited together, expiring together: ``remaining`` of ``amount`` are left."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.CASCADE,
        related_name="points_batches",
    )
    amount = models.PositiveIntegerField(_("points"))
    remaining = models.PositiveIntegerField(_("left"))
    status = models.CharField(_("status"), max_length=16, choices=PointsBatchStatus.choices)
    reason = models.CharField(_("reason"), max_length=24, choices=PointsReason.choices)
    reference = models.CharField(_("reference"), max_length=64)
    usable_at = models.DateTimeField(_("usable from"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["expires_at", "pk"]
        verbose_name = _("points batch")
        verbose_name_plural = _("points batches")
        indexes = [
            models.Index(fields=["user", "status", "expires_at"], name="marketing_batch_spend"),
            models.Index(fields=["status", "usable_at"], name="marketing_batch_release"),
            models.Index(fields=["status", "expires_at"], name="marketing_batch_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__lte=F("amount")), name="marketing_batch_remaining"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.remaining}/{self.amount} · {self.get_reason_display()}"


class PointsEntry(models.Model):
    """One change of an account: signed ``amount`` of usable and ``pending_amount`` of
    pending points, and both figures after it. Unique per shopper, reason and reference, so a
    task or a tap repeated changes nothing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.CASCADE,
        related_name="points_entries",
    )
    amount = models.IntegerField(_("usable points"), default=0)
    pending_amount = models.IntegerField(_("pending points"), default=0)
    balance_after = models.IntegerField(_("usable after"))
    pending_after = models.IntegerField(_("pending after"))
    reason = models.CharField(_("reason"), max_length=24, choices=PointsReason.choices)
    reference = models.CharField(_("reference"), max_length=64)
    # The batches a spend drew on ({batch id: points}), so that giving the points back keeps
    # their expiry dates.
    batches = models.JSONField(_("batches"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        indexes = [models.Index(fields=["user", "-created_at"], name="marketing_points_ledger")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "reason", "reference"], name="marketing_points_entry_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} · {self.get_reason_display()}"


class CheckIn(models.Model):
    """A shopper's check-in (签到) on a day of the shop's calendar: once a day (a constraint)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.CASCADE,
        related_name="check_ins",
    )
    day = models.DateField(_("day"))
    streak = models.PositiveIntegerField(_("days in a row"))
    points = models.PositiveIntegerField(_("points"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="marketing_check_in_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.day}"
