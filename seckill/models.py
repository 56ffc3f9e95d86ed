"""Flash sales (秒杀): an event sells a number of units of one SKU at a flash price in a
time window. Publishing moves the units from the SKU to the event, and ending moves what is
left back, both through the stock ledger: the event's ``stock`` row here is the truth for
its units, and every change to it is an EventStockMovement written by seckill.services in
the same transaction (``manage.py stock_audit`` proves it, beside the SKUs')."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Sku


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RUNNING = "running", _("On now")
    ENDED = "ended", _("Ended")


class SeckillEvent(models.Model):
    sku = models.ForeignKey(
        Sku, verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="seckill_events"
    )
    title = models.CharField(_("title"), max_length=100)
    flash_price = models.DecimalField(_("flash price"), max_digits=12, decimal_places=2)
    allocated = models.PositiveIntegerField(_("units allocated"))
    per_user_limit = models.PositiveSmallIntegerField(_("limit per shopper"), default=1)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=12, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    # Units the event holds (PostgreSQL's truth; Redis admits against a copy of it).
    stock = models.PositiveIntegerField(_("units left"), default=0, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("flash sale")
        verbose_name_plural = _("flash sales")
        constraints = [
            models.CheckConstraint(condition=Q(flash_price__gt=0), name="seckill_event_price_gt_0"),
            models.CheckConstraint(condition=Q(allocated__gt=0), name="seckill_event_units_gt_0"),
            models.CheckConstraint(
                condition=Q(per_user_limit__gte=1), name="seckill_event_limit_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="seckill_event_ends_after_start",
                violation_error_message=_("The end must come after the start."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("seckill:event", args=[self.pk])

    @property
    def session(self) -> str:
        """The day's session it belongs to, as Chinese shops show them: its start, "10:00"."""
        return timezone.localtime(self.starts_at).strftime("%H:%M")


class EventStockReason(models.TextChoices):
    ALLOCATION = "allocation", _("Moved from the SKU")
    RETURN = "return", _("Back to the SKU")
    ORDER = "order", _("Flash-sale order")
    CANCEL = "cancel", _("Order cancelled")
    TIMEOUT = "timeout", _("Order not paid in time")
    REFUND = "refund", _("Refunded before shipping")


class EventStockMovement(models.Model):
    """One change to an event's units, written with the conditional UPDATE it records."""

    event = models.ForeignKey(
        SeckillEvent,
        verbose_name=_("flash sale"),
        on_delete=models.CASCADE,
        related_name="movements",
    )
    quantity = models.IntegerField(_("quantity"))
    stock_after = models.PositiveIntegerField(_("stock after"))
    reason = models.CharField(_("reason"), max_length=16, choices=EventStockReason.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reference = models.CharField(_("reference"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("flash-sale stock movement")
        verbose_name_plural = _("flash-sale stock movements")

    def __str__(self):
        return str(self.get_reason_display())


class SeckillAdmission(models.Model):
    """A buyer the Redis gate admitted, recorded with the order the worker made for it.

    ``reservation_id`` is the idempotency key from the gate to the order: a reservation makes
    one admission and one order however often the stream delivers it. A shopper holds one
    open admission per event; it is released (and the unit given back once, in PostgreSQL
    and in Redis) when the order is cancelled, times out or is refunded."""

    event = models.ForeignKey(
        SeckillEvent,
        verbose_name=_("flash sale"),
        on_delete=models.PROTECT,
        related_name="admissions",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reservation_id = models.CharField(_("reservation"), max_length=40, unique=True)
    quantity = models.PositiveSmallIntegerField(_("quantity"))
    order = models.OneToOneField(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="seckill_admission",
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("flash-sale admission")
        verbose_name_plural = _("flash-sale admissions")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(released_at=None),
                name="seckill_admission_one_open_per_user",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="seckill_admission_quantity_gte_1"
            ),
        ]

    def __str__(self):
        return self.reservation_id


class SeckillReminder(models.Model):
    """A shopper asked to be told a few minutes before the event starts."""

    event = models.ForeignKey(
        SeckillEvent,
        verbose_name=_("flash sale"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shopper"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("flash-sale reminder")
        verbose_name_plural = _("flash-sale reminders")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="seckill_reminder_once")
        ]

    def __str__(self):
        return f"{self.event_id}:{self.user_id}"
